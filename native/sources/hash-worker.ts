// The SHA-256 worker of WorkerHasher: hashes views of the reader's shared buffers in order.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const hash = createHash('sha256');
parentPort!.on('message', (m: { id?: number; buffer?: SharedArrayBuffer; offset?: number; length?: number; digest?: boolean }) => {
  if (m.digest) {
    parentPort!.postMessage({ digest: hash.digest('hex') });
    return;
  }
  hash.update(new Uint8Array(m.buffer!, m.offset, m.length));
  parentPort!.postMessage({ done: m.id });
});
