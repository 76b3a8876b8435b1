import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { CaptureGenerator, type GeneratorOptions } from '../../core/synth/generator.js';

const CHUNK = 4 * 1024 * 1024;
const BUFFERS = 3;

export interface WriteResult {
  packets: number;
  bytes: number;
  lost: number;
}

function finished(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
  });
}

/**
 * Stream a generated capture to a file or `-` (stdout), gzip-compressed when asked, in constant
 * memory: a few rotating buffers, each reused only once the stream has consumed it.
 */
export async function writeGeneratedCapture(options: Partial<GeneratorOptions>, destination: string, gzip = false): Promise<WriteResult> {
  const gen = new CaptureGenerator(options);
  const target: Writable = destination === '-' ? process.stdout : fs.createWriteStream(destination);
  const gz = gzip ? createGzip({ level: 1 }) : null;
  if (gz) gz.pipe(target);
  const out: Writable = gz ?? target;
  const done = destination === '-' ? null : finished(target);
  let failure: Error | null = null;
  const onError = (err: Error): void => {
    failure = err;
  };
  out.on('error', onError);
  target.on('error', onError);
  const buffers = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafeSlow(CHUNK));
  const inFlight: (Promise<void> | null)[] = new Array(BUFFERS).fill(null);
  for (let i = 0; ; i = (i + 1) % BUFFERS) {
    await inFlight[i];
    if (failure) throw failure;
    const n = gen.fill(buffers[i]);
    if (n === 0) break;
    inFlight[i] = new Promise<void>((resolve) => out.write(buffers[i].subarray(0, n), () => resolve()));
  }
  await Promise.all(inFlight);
  if (destination === '-' && !gz) return { packets: gen.packets, bytes: gen.bytes, lost: gen.lost };
  out.end();
  if (gz && destination === '-') await finished(gz);
  await done;
  if (failure) throw failure;
  return { packets: gen.packets, bytes: gen.bytes, lost: gen.lost };
}
