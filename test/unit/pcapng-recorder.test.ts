/**
 * The --save writer of interface captures: the offsets it hands out are where the reader finds
 * the records, the file ends with the drop counts, its SHA-256 is the file's; and when the disk
 * falls behind (here: the thread pool held by reads that wait on a pipe), saving stops at a record
 * boundary, leaving a valid capture of the frames before it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { RecordSink } from '../../core/capture/record-sink.js';
import { pageAlignedBuffer, readCapture } from '../../native/sources/capture-reader.js';
import { PcapngRecorder, SLOT_BYTES, SLOTS } from '../../native/sources/pcapng-recorder.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const FRAME = 4096;

function recorder(file: string): { rec: PcapngRecorder; mem: Uint8Array } {
  const mem = pageAlignedBuffer(FRAME + SLOTS * SLOT_BYTES, false);
  const fd = fs.openSync(file, 'w');
  return { rec: new PcapngRecorder(mem, FRAME, fd, file, { linkType: 1, snaplen: FRAME, name: 'ens224' }), mem };
}

async function readBack(file: string): Promise<{ offsets: number[]; lengths: number[]; firstBytes: number[]; drops: (number | null)[][]; names: (string | null)[] }> {
  const out = { offsets: [] as number[], lengths: [] as number[], firstBytes: [] as number[], drops: [] as (number | null)[][], names: [] as (string | null)[] };
  const sink: RecordSink = {
    interface: (i) => void out.names.push(i.name),
    frame: (buf, off, capLen, origLen, _sec, _nsec, _iface, recordOffset) => {
      out.offsets.push(recordOffset);
      out.lengths.push(capLen, origLen);
      out.firstBytes.push(buf[off]);
    },
    opaque: () => undefined,
    warning: (w) => assert.fail(w),
    drops: (_i, ifDrop, osDrop) => void out.drops.push([ifDrop, osDrop]),
  };
  await readCapture(file, () => sink, { hash: false });
  return out;
}

test('offsets are the records\' places in the file; the file ends with the drop counts; the SHA-256 is the file\'s', async () => {
  const file = path.join(dir, 'saved.pcapng');
  const { rec, mem } = recorder(file);
  const offsets: number[] = [];
  // Enough frames of odd lengths to fill several slots.
  for (let i = 0; i < 6000; i++) {
    mem[0] = i & 0xff;
    const capLen = 60 + (i % 1400);
    offsets.push(rec.record(capLen, capLen + (i % 3), 1_767_225_600 + i, i % 1_000_000, i + 1));
  }
  const sha = await rec.finish({ ifRecv: 6010, ifDrop: 2, osDrop: 8 }, Date.now());
  assert.equal(sha, createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  assert.equal(rec.offset, fs.statSync(file).size);
  assert.equal(rec.shortfall, null);
  const back = await readBack(file);
  assert.deepEqual(back.names, ['ens224']);
  assert.deepEqual(back.offsets, offsets);
  assert.deepEqual(back.firstBytes, offsets.map((_, i) => i & 0xff));
  assert.deepEqual(back.lengths.slice(0, 6), [60, 60, 61, 62, 62, 64]);
  assert.deepEqual(back.drops, [[2, 8]]);
});

test('a disk that falls behind: saving stops at a record boundary, the offsets go on, the file stays a valid capture', async () => {
  const fifo = path.join(dir, 'hold');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  // Occupy the thread pool (4 threads) with reads waiting on a pipe: the recorder's writes queue behind them.
  const hold = fs.openSync(fifo, 'r+');
  const held = Array.from({ length: 4 }, () => new Promise<void>((resolve) => fs.read(hold, Buffer.alloc(1), 0, 1, null, () => resolve())));
  const file = path.join(dir, 'behind.pcapng');
  const { rec } = recorder(file);
  let frame = 0;
  while (rec.shortfall === null) rec.record(1500, 1500, 1_767_225_600, ++frame, frame);
  const saved = frame - 1;
  assert.match(rec.shortfall, new RegExp(`^--save stopped at frame ${frame}: the disk fell 64 MiB behind; .*behind\\.pcapng holds the frames before it \\(a valid capture\\), the analysis has them all$`));
  const offset = rec.offset;
  rec.record(1500, 1500, 1_767_225_601, 0, frame + 1);
  assert.equal(rec.offset, offset + 32 + 1500, 'frames after the stop still get their offsets');
  for (let i = 0; i < 4; i++) fs.writeSync(hold, 'x');
  await Promise.all(held);
  fs.closeSync(hold);
  await rec.finish({ ifRecv: 0, ifDrop: 0, osDrop: 0 }, Date.now());
  const back = await readBack(file);
  assert.equal(back.offsets.length, saved);
  assert.ok(saved >= SLOTS * Math.floor((SLOT_BYTES - 100) / (32 + 1500)), `every slot handed over was written (${saved} frames)`);
  assert.deepEqual(back.drops, [], 'no statistics block: the counts would describe frames the file does not hold');
});
