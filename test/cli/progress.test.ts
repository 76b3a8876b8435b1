/** The progress line: bytes read of the total, packets/s, ETA; redrawn in place, then erased. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressLine } from '../../native/cli/progress.js';

test('progress shows bytes read / total, rates and an ETA, then clears itself', async () => {
  let written = '';
  const line = new ProgressLine({ columns: 200, write: (s: string) => ((written += s), true) } as never);
  const base = { capture: 0, captures: 2, file: 'esx01.pcapng', totalBytes: 4e9 };
  line.update({ ...base, bytesRead: 1e6, frames: 100 });
  assert.equal(written, '', 'no line before one redraw interval has passed');
  await new Promise((r) => setTimeout(r, 250));
  line.update({ ...base, bytesRead: 1e9, frames: 2_000_000 });
  assert.match(written, /^\r\[1\/2\] esx01\.pcapng {2}1\.00 GB \/ 4\.00 GB {2}25% {2}[\d.]+ Mpkt\/s {2}[\d.]+ GB\/s {2}ETA [\d.]+ s\x1b\[K$/);
  line.update({ ...base, bytesRead: 2e9, frames: 4_000_000 });
  const once = written;
  assert.equal(once, written, 'redraws are throttled');
  line.done();
  assert.ok(written.endsWith('\r\x1b[K'));

  // Standard input: no total, no percentage, no ETA.
  let piped = '';
  const stdin = new ProgressLine({ columns: 200, write: (s: string) => ((piped += s), true) } as never);
  await new Promise((r) => setTimeout(r, 250));
  stdin.update({ capture: 0, captures: 1, file: '-', bytesRead: 5e8, totalBytes: null, frames: 10 });
  assert.match(piped, /^\r\[1\/1\] - {2}500 MB {2}\d+ pkt\/s/);
  assert.doesNotMatch(piped, /ETA|%/);
});
