/**
 * The vmkscope CLI as scripts use it: exit statuses 0/2, messages that name the file and byte
 * offset without a stack trace, JSON alone on stdout with `--json -`, standard input, several
 * captures as one analysis.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { AnalysisReport } from '../../core/contract/report.js';
import { runCli } from '../helpers/cli.js';
import { generate } from '../helpers/generate.js';
import { CLI } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const capture = path.join(dir, 'mix.pcap');
const { data, generator } = generate({ packets: 3000, scale: 0.01, vlan: true });
fs.writeFileSync(capture, data);

function noStackTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `stack trace on stderr:\n${stderr}`);
}

test('--json - writes only the report to stdout and exits 0', async () => {
  const r = await runCli(['analyze', capture, '--json', '-']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const report = JSON.parse(r.stdout) as AnalysisReport;
  assert.equal(report.schemaVersion, 1);
  assert.equal(report.tool.name, 'vmkscope');
  assert.equal(report.captures[0].packets, generator.packets);
  assert.equal(report.captures[0].bytes, generator.frameBytes);
  assert.equal(report.captures[0].sha256, null, 'no hash unless asked');
  assert.ok(report.flows.some((f) => f.class === 'vmotion' && f.server.port === 8000));
  // No inventory: it is inferred, and the verdicts that need a real one are info.
  assert.equal(report.inventory?.inferred, true);
  assert.equal(report.summary.fail, 0);
  assert.ok(report.findings.some((f) => f.rule === 'configuration.inventory-inferred' && f.status === 'info'));
});

test('the default output is a readable summary; --json FILE writes the report too', async () => {
  const out = path.join(dir, 'report.json');
  const r = await runCli(['analyze', capture, '--json', out, '--hash']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^vmkscope \S+: 1 capture\(s\), 3,000 packets/);
  assert.match(r.stdout, /\n {2}id +proto +client +server +class/);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as AnalysisReport;
  assert.equal(report.captures[0].sha256, createHash('sha256').update(data).digest('hex'));
});

test('unreadable input exits 2 naming the file and byte offset', async () => {
  const text = path.join(dir, 'notes.pcap');
  fs.writeFileSync(text, 'This is not a capture\n');
  const r = await runCli(['analyze', text]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^vmkscope: error: ${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: at byte 0: not a capture file`));
  noStackTrace(r.stderr);

  const corrupt = Buffer.from(data.subarray(0, 5000));
  corrupt.writeUInt32LE(0x7fffffff, 24 + 8);
  const bad = path.join(dir, 'corrupt.pcap');
  fs.writeFileSync(bad, corrupt);
  const c = await runCli(['analyze', bad, '--json', '-']);
  assert.equal(c.code, 2);
  assert.equal(c.stdout, '', 'no partial JSON');
  assert.match(c.stderr, /at byte 24: record 1 claims 2147483647 captured bytes/);
  noStackTrace(c.stderr);

  const missing = await runCli(['analyze', path.join(dir, 'nope.pcap')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.pcap: cannot open: no such file/);
});

test('usage errors exit 2 with the usage text', async () => {
  for (const args of [['analyze'], ['analyze', capture, '--bogus'], ['frobnicate']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /usage:\n {2}vmkscope analyze/);
    noStackTrace(r.stderr);
  }
});

test('a capture cut short is analysed with a warning (exit 0)', async () => {
  const cut = path.join(dir, 'cut.pcap');
  fs.writeFileSync(cut, data.subarray(0, data.length - 10)); // inside the last record
  const r = await runCli(['analyze', cut, '--json', '-']);
  assert.equal(r.code, 0);
  const report = JSON.parse(r.stdout) as AnalysisReport;
  assert.equal(report.captures[0].packets, generator.packets - 1);
  assert.match(report.captures[0].warnings[0], /cut short/);
  assert.match(r.stderr, /^vmkscope: warning: .*cut\.pcap: capture cut short/);
});

test('standard input: a gzip capture piped into `analyze -`', async () => {
  const r = await runCli(['analyze', '-', '--json', '-'], { input: gzipSync(data) });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as AnalysisReport;
  assert.equal(report.captures[0].file, '-');
  assert.equal(report.captures[0].compression, 'gzip');
  assert.equal(report.captures[0].packets, generator.packets);
});

test('the generator streams into the analyzer through a pipe', async () => {
  const gen = spawn(process.execPath, [CLI, 'generate', '--packets', '20000', '--format', 'pcapng', '--ns', '--erspan', '2', '--scale', '0.01']);
  const r = await runCli(['analyze', '-', '--json', '-'], { input: gen.stdout });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as AnalysisReport;
  assert.equal(report.captures[0].format, 'pcapng');
  assert.equal(report.captures[0].packets, 20000);
  assert.ok(report.flows.every((f) => f.encapsulation?.kind === 'erspan2' && f.encapsulation.session === 42));
});

test('several captures are one analysis; flows say which capture they come from', async () => {
  const second = path.join(dir, 'second.pcapng');
  fs.writeFileSync(second, generate({ packets: 500, format: 'pcapng', seed: 9, scale: 0.01 }).data);
  const r = await runCli(['analyze', capture, second, '--json', '-']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as AnalysisReport;
  assert.deepEqual(report.captures.map((c) => c.format), ['pcap', 'pcapng']);
  assert.ok(report.flows.some((f) => f.capture === 0) && report.flows.some((f) => f.capture === 1));
  assert.deepEqual(report.flows.map((f) => f.id), report.flows.map((_, i) => `f${i + 1}`));
});
