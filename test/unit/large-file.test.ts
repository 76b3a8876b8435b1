/**
 * Captures over 4 GB: offsets and counts past 2^32 stay exact, memory stays flat. The file is
 * generated on the spot (about 4.3 GB of jumbo-frame ESXi traffic) and removed afterwards.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalysisReport } from '../../core/contract/report.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const BYTES = 4.3e9;

test('a 4.3 GB capture is read whole, with file offsets beyond 4 GiB', { timeout: 300_000 }, async (t) => {
  const dir = tempDir();
  const free = fs.statfsSync(dir);
  if (free.bavail * free.bsize < BYTES * 1.5) {
    t.skip(`needs ${(BYTES * 1.5 / 1e9).toFixed(1)} GB free in ${dir}`);
    return;
  }
  const file = path.join(dir, 'big.pcap');
  const gen = await runCli(['generate', '--bytes', String(BYTES), '-o', file]);
  assert.equal(gen.code, 0, gen.stderr);
  const [, packets, bytes] = /wrote (\d+) packets \((\d+) bytes\)/.exec(gen.stderr)!.map(Number);
  assert.ok(bytes > 2 ** 32);
  const r = await runCli(['analyze', file, '--json', '-']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as AnalysisReport;
  const capture = report.captures[0];
  assert.equal(capture.packets, packets);
  assert.equal(capture.size, bytes);
  // frame bytes = file bytes - file header - a 16-byte header per record
  assert.equal(capture.bytes, bytes - 24 - 16 * packets);
  assert.equal(report.flows.reduce((s, f) => s + f.bytes, 0), capture.bytes);
  const lastOffset = Math.max(...report.flows.map((f) => f.fileOffsets.last));
  assert.ok(lastOffset > 2 ** 32, `last record offset ${lastOffset}`);
  assert.ok(lastOffset < bytes);
});
