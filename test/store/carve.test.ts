/**
 * `vmkscope carve`: a flow's (or a finding's) packets, as captured, to a pcap tshark opens with the
 * flow's packet count and frame bytes; a capture that moved is asked for by its old path and
 * remembered at its new one; a capture whose bytes changed is refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalysisReport, FlowRecord } from '../../core/contract/report.js';
import { runCli } from '../helpers/cli.js';
import { CORPUS } from '../helpers/paths.js';
import { withStore } from '../helpers/store.js';
import { tempDir } from '../helpers/temp.js';
import { tshark, tsharkMissing } from '../helpers/tshark.js';

const dir = tempDir();
const dbFile = path.join(dir, 'carve.db');
const capture = path.join(dir, 'site.pcapng');
const inventory = path.join(dir, 'site.yaml');
const skip = tsharkMissing() ?? false;

/** What tshark reads back from a carved file: frames and the sum of frame.len. */
function tsharkTotals(file: string): { packets: number; bytes: number } {
  const lens = tshark(file, ['-T', 'fields', '-e', 'frame.len']).split('\n').filter((l) => l !== '');
  return { packets: lens.length, bytes: lens.reduce((s, l) => s + Number(l), 0) };
}

const stored = (id: number): AnalysisReport => withStore(dbFile, (s) => s.report(id));

let report: AnalysisReport;

test('setup: a site capture analysed into a database', { skip }, async () => {
  const gen = await runCli(['generate', '--packets', '20000', '--scale', '0.01', '--vlan', '--format', 'pcapng', '-o', capture, '--inventory-out', inventory]);
  assert.equal(gen.code, 0, gen.stderr);
  const r = await runCli(['analyze', capture, '--inventory', inventory, '--db', dbFile, '--no-progress']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  report = stored(1);
  assert.ok(report.flows.length > 5);
});

test('a flow carved is exactly its packets: tshark counts the flow\'s packets and frame bytes', { skip }, async () => {
  const biggest = [...report.flows].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  for (const flow of biggest) {
    const out = path.join(dir, `${flow.id}.pcap`);
    const r = await runCli(['carve', '--db', dbFile, '--analysis', '1', '--flow', flow.id, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`wrote ${flow.packets} packets \\(${flow.bytes} frame bytes\\) of ${flow.id}`));
    assert.deepEqual(tsharkTotals(out), { packets: flow.packets, bytes: flow.bytes }, flow.id);
    // And the same frames tshark selects from the original by the flow's 5-tuple and time span.
    const filter = `ip.addr==${flow.client.ip} && ip.addr==${flow.server.ip} && ${flow.protocol}.port==${flow.client.port} && ${flow.protocol}.port==${flow.server.port}`;
    const original = tshark(capture, ['-Y', filter, '-T', 'fields', '-e', 'frame.len']).split('\n').filter((l) => l !== '');
    assert.equal(original.length, flow.packets, `${flow.id} in the original by tshark`);
  }
});

test('a finding carved holds the packets of every flow it names', { skip }, async () => {
  const finding = report.findings.find((f) => f.flows.length >= 2);
  assert.ok(finding, 'a finding naming several flows');
  const flows = finding.flows.map((id) => report.flows.find((f) => f.id === id)!);
  const out = path.join(dir, `${finding.id}.pcap`);
  const r = await runCli(['carve', '--db', dbFile, '--finding', finding.id, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const want = flows.reduce((s, f) => ({ packets: s.packets + f.packets, bytes: s.bytes + f.bytes }), { packets: 0, bytes: 0 });
  assert.deepEqual(tsharkTotals(out), want);
});

test('a moved capture: the error names where it was; --capture finds it and is remembered', { skip }, async () => {
  const moved = path.join(dir, 'moved', 'site-renamed.pcapng');
  fs.mkdirSync(path.dirname(moved));
  fs.renameSync(capture, moved);
  const flow = report.flows[0];
  const out = path.join(dir, 'moved.pcap');
  const missing = await runCli(['carve', '--db', dbFile, '--flow', flow.id, '-o', out]);
  assert.equal(missing.code, 2);
  assert.ok(missing.stderr.includes(capture), missing.stderr);
  assert.match(missing.stderr, /--capture FILE/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(fs.existsSync(out), false);

  const found = await runCli(['carve', '--db', dbFile, '--flow', flow.id, '-o', out, '--capture', moved]);
  assert.equal(found.code, 0, found.stderr);
  assert.deepEqual(tsharkTotals(out), { packets: flow.packets, bytes: flow.bytes });
  assert.equal(stored(1).captures[0].file, moved, 'the new place is remembered');
  const again = await runCli(['carve', '--db', dbFile, '--flow', flow.id, '-o', out]);
  assert.equal(again.code, 0, again.stderr);
});

test('a capture whose bytes changed is refused by its SHA-256, and leaves no output', { skip }, async () => {
  const moved = stored(1).captures[0].file;
  const altered = path.join(dir, 'altered.pcapng');
  const bytes = fs.readFileSync(moved);
  bytes[bytes.length - 100] ^= 0xff; // inside the last packet's data: still a readable capture
  fs.writeFileSync(altered, bytes);
  const out = path.join(dir, 'altered.pcap');
  const r = await runCli(['carve', '--db', dbFile, '--flow', report.flows[0].id, '-o', out, '--capture', altered]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not the capture analysed: its SHA-256 is [0-9a-f]{64}, the analysis read [0-9a-f]{64}/);
  assert.equal(fs.existsSync(out), false);
  assert.equal(stored(1).captures[0].file, moved, 'a refused capture is not remembered');
});

test('IP fragments of a carved datagram come with it (dnscap frags)', { skip }, async () => {
  const frags = path.join(CORPUS, 'captures', 'dnscap--frags.pcap');
  const db = path.join(dir, 'frags.db');
  const r = await runCli(['analyze', frags, '--db', db, '--no-progress']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const flows: FlowRecord[] = withStore(db, (s) => s.report(1).flows);
  const fragmented = flows.filter((f) => f.protocol === 'udp').sort((a, b) => b.packets - a.packets)[0];
  const out = path.join(dir, 'frags-out.pcap');
  const c = await runCli(['carve', '--db', db, '--flow', fragmented.id, '-o', out]);
  assert.equal(c.code, 0, c.stderr);
  const totals = tsharkTotals(out);
  assert.deepEqual(totals, { packets: fragmented.packets, bytes: fragmented.bytes });
  const mf = tshark(out, ['-o', 'ip.defragment:FALSE', '-T', 'fields', '-e', 'ip.frag_offset']).split('\n').filter((l) => l !== '' && l !== '0');
  assert.ok(mf.length > 0, 'non-first fragments were carved');
});
