/**
 * Decompression bombs. deflate bounds the ratio itself (about 1032:1 at most), and vmkscope
 * refuses gzip inside gzip, so a file of N bytes decompresses to at most about 1000 N; what must
 * hold is that memory stays flat however much comes out (zlib's output is pulled chunk by chunk
 * with back-pressure, never inflated whole) and that the time is linear in it. Measured with
 * real CLI processes: peak RSS of a 1 GiB bomb against that of a 1 KiB capture.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { epb, idb, pcapOf, rawBlock, shb, udpFrame } from '../helpers/capture-bytes.js';
import { CLI } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('vmkscope-bomb-');
/** Prints the process's peak RSS to stderr when it exits. */
const PEAK = path.join(dir, 'peak.cjs');
fs.writeFileSync(PEAK, "process.on('exit', () => require('fs').writeSync(2, `peak-rss-kb ${process.resourceUsage().maxRSS}\\n`));\n");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  peakMb: number;
  seconds: number;
}

function analyze(file: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--require', PEAK, CLI, 'analyze', file, '--json', '-', '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const peak = /peak-rss-kb (\d+)/.exec(stderr);
      resolve({ code, stdout, stderr: stderr.replace(/peak-rss-kb \d+\n/, ''), peakMb: peak ? Number(peak[1]) / 1024 : NaN, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** 64 MiB of zeros, gzipped once (about 64 KB); bombs repeat it as gzip members. */
const ZEROS = 64 * 1024 * 1024;
const zeroMember = gzipSync(Buffer.alloc(ZEROS), { level: 9 });

test('gzip bombs: 1 GiB out of 1 MB skipped and 256 MiB of empty records read, in flat memory and linear time', { timeout: 120_000 }, async (t) => {
  const small = path.join(dir, 'small.pcap.gz');
  fs.writeFileSync(small, gzipSync(pcapOf(1, [{ frame: udpFrame() }])));
  const baseline = await analyze(small);
  assert.equal(baseline.code, 0, baseline.stderr);

  // A pcapng whose last block claims 4 GiB: 1 GiB of zeros follows inside the gzip, all skipped.
  const skip = path.join(dir, 'skip-bomb.pcapng.gz');
  const head = gzipSync(Buffer.concat([shb(), idb(1), epb(0, udpFrame()), rawBlock(0x999, 0xfffffffc).subarray(0, 8)]));
  fs.writeFileSync(skip, Buffer.concat([head, ...Array<Buffer>(16).fill(zeroMember)]));
  const skipped = await analyze(skip);
  assert.equal(skipped.code, 0, skipped.stderr);
  const ratio = (16 * ZEROS) / fs.statSync(skip).size;
  const report = JSON.parse(skipped.stdout) as { captures: { packets: number; warnings: string[] }[] };
  assert.equal(report.captures[0].packets, 1);
  assert.match(report.captures[0].warnings.join('\n'), /cut short at decompressed byte \d+: a skipped block announced \d+ more bytes/);

  // A pcap followed by 256 MiB of zeros: 16.7 million empty records, each a frame of no flow.
  const records = path.join(dir, 'record-bomb.pcap.gz');
  fs.writeFileSync(records, Buffer.concat([gzipSync(pcapOf(1, [{ frame: udpFrame() }])), ...Array<Buffer>(4).fill(zeroMember)]));
  const read = await analyze(records);
  assert.equal(read.code, 0, read.stderr);
  const frames = (JSON.parse(read.stdout) as { captures: { packets: number }[] }).captures[0].packets;
  assert.equal(frames, 1 + (4 * ZEROS) / 16);

  t.diagnostic(`baseline ${baseline.peakMb.toFixed(0)} MB; skip bomb ${ratio.toFixed(0)}:1, ${skipped.seconds.toFixed(1)} s, ${skipped.peakMb.toFixed(0)} MB; record bomb ${frames} frames, ${read.seconds.toFixed(1)} s, ${read.peakMb.toFixed(0)} MB`);
  assert.ok(ratio > 900, `the bomb expands ${ratio.toFixed(0)} times`);
  // Flat: the decompression buffers and the two read chunks, whatever the size (issue A's budget is 150 MB).
  for (const r of [skipped, read]) assert.ok(r.peakMb < Math.min(150, baseline.peakMb + 64), `peak RSS ${r.peakMb.toFixed(0)} MB against ${baseline.peakMb.toFixed(0)} MB for a tiny capture`);
});

test('gzip inside gzip is refused (no bomb of bombs), with the file and offset', async () => {
  const file = path.join(dir, 'nested.pcap.gz.gz');
  fs.writeFileSync(file, gzipSync(gzipSync(pcapOf(1, [{ frame: udpFrame() }]))));
  const r = await analyze(file);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `vmkscope: error: ${file}: at byte 0 of the decompressed stream: gzip inside gzip is not supported\n`);
});
