/**
 * Bounded memory: with few flows allowed in memory, the quietest go to the spill file and come
 * back in order; every record is the same as when all flows stay in memory.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { flowRecords } from '../../core/report/build.js';
import { readCapture } from '../../native/sources/capture-reader.js';
import { FileFlowSpill } from '../../native/sources/flow-spill.js';
import { generate } from '../helpers/generate.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();

async function records(file: string, options: ConstructorParameters<typeof CaptureAnalysis>[0]) {
  const analysis = new CaptureAnalysis(options);
  const facts = await readCapture(file, () => analysis, { hash: false });
  return { analysis, flows: [...flowRecords([{ file, ...facts, analysis }])] };
}

test('tiny flows through a spill of 64 live flows: the same records, nothing still going was evicted', async () => {
  const file = path.join(dir, 'tiny.pcap');
  fs.writeFileSync(file, generate({ scenario: 'tiny-flows', packets: 40_000 }).data);
  const whole = await records(file, {});
  const spill = new FileFlowSpill(dir);
  const bounded = await records(file, { spill, maxLiveFlows: 64 });
  assert.equal(whole.flows.length, 10_000);
  assert.ok(bounded.analysis.evictedFlows >= 9_000, `${bounded.analysis.evictedFlows} evicted`);
  assert.equal(bounded.analysis.evictedActiveFlows, 0, 'every evicted flow had ended (RST)');
  assert.ok(bounded.analysis.flowStore.live <= 64);
  assert.deepEqual(bounded.flows, whole.flows);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('vmkscope-spill-')), [], 'the spill file is unlinked at once');
  spill.close();
});

test('the ESXi mix (jumbo vMotion, VLANs, MAC pairs, timelines) through a spill of 16 live flows', async () => {
  const file = path.join(dir, 'mix.pcapng');
  fs.writeFileSync(file, generate({ packets: 30_000, scale: 0.01, vlan: true, format: 'pcapng', erspan: 3 }).data);
  const whole = await records(file, {});
  const spill = new FileFlowSpill(dir);
  const bounded = await records(file, { spill, maxLiveFlows: 16 });
  assert.ok(bounded.analysis.evictedFlows > 0);
  // Flows still going when evicted split if they send again: compare the totals, which never change.
  const total = (flows: typeof whole.flows) => flows.reduce((s, f) => ({ packets: s.packets + f.packets, bytes: s.bytes + f.bytes }), { packets: 0, bytes: 0 });
  assert.deepEqual(total(bounded.flows), total(whole.flows));
  if (bounded.analysis.evictedActiveFlows === 0) assert.deepEqual(bounded.flows, whole.flows);
  else assert.ok(bounded.analysis.allWarnings().some((w) => /quietest were moved out of memory/.test(w)));
  spill.close();
});
