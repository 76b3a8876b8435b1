/**
 * The verification stage on generated captures of the synthetic cluster, with its inventory:
 * attribution, classes, migrations, and the rules' verdicts when the configuration is right, when
 * it is wrong, and when there is no inventory.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Inventory } from '../../core/contract/inventory.js';
import type { AnalysisReport } from '../../core/contract/report.js';
import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { buildHosts, siteInventory } from '../../core/synth/topology.js';
import { DEFAULT_POLICY } from '../../core/verify/policy.js';
import { MAX_EVIDENCE } from '../../core/verify/rules/rule.js';
import { isMigrationCandidate, verifyStream } from '../../core/verify/verify.js';
import { readCapture } from '../../native/sources/capture-reader.js';
import { buildReport, verify } from '../helpers/report.js';
import { generate } from '../helpers/generate.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const file = path.join(dir, 'mix.pcapng');
fs.writeFileSync(file, generate({ packets: 40000, scale: 0.01, vlan: true, format: 'pcapng' }).data);

async function analyzed(): Promise<AnalysisReport> {
  const analysis = new CaptureAnalysis();
  const facts = await readCapture(file, () => analysis, { hash: false });
  return buildReport({ name: 'vmkscope', version: 'test' }, [{ file, ...facts, analysis }]);
}

function inventory(edit?: (inv: Inventory) => void): Inventory {
  const inv = siteInventory(buildHosts(4));
  edit?.(inv);
  return inv;
}

function findings(report: AnalysisReport, rule: string) {
  return report.findings.filter((f) => f.rule === rule);
}

test('a well-configured cluster: attributed flows, grouped migrations, passing verdicts', async () => {
  const report = verify(await analyzed(), inventory(), DEFAULT_POLICY);
  const vmotion = report.flows.filter((f) => f.class === 'vmotion');
  assert.ok(vmotion.length >= 2);
  for (const f of vmotion) {
    assert.equal(f.client.host, 'esx01.lab.example');
    assert.equal(f.client.vmk, 'vmk1');
    assert.equal(f.server.vmk, 'vmk1');
    assert.equal(f.path.routed, false, f.path.evidence.join('\n'));
  }
  const heartbeat = report.flows.find((f) => f.class === 'heartbeat')!;
  assert.equal(heartbeat.server.host, 'vc01.lab.example');
  const hot = report.migrations.filter((m) => m.kind === 'vmotion');
  assert.equal(hot.length, 1);
  assert.equal(hot[0].streams, vmotion.length);
  assert.deepEqual(hot[0].sourceVmks, ['esx01.lab.example/vmk1']);
  assert.ok(report.migrations.some((m) => m.kind === 'cold' && m.destVmks[0].endsWith('/vmk2')));
  assert.deepEqual(findings(report, 'hot-path.vmotion-vmk').map((f) => f.status), ['pass']);
  assert.deepEqual(findings(report, 'cold-path.nfc-vmk').map((f) => f.status), ['pass']);
  assert.ok(findings(report, 'gateway.crossing').every((f) => f.status === 'pass'));
  const gw = findings(report, 'gateway.crossing')[0];
  assert.ok(gw.evidence.some((e) => e.kind === 'mac-peer' && e.frames.length === 1 && e.capture === 0));
  assert.ok(gw.evidence.some((e) => e.kind === 'ttl' && /TTL 64/.test(e.text)));
  assert.equal(report.summary.fail, 0);
  assert.equal(report.inventory?.inferred, false);
});

test('vMotion on a vmk without the vMotion service fails the hot-path rule', async () => {
  const report = verify(
    await analyzed(),
    inventory((inv) => {
      // On the vmotion netstack a vmk carries vMotion whatever its tags: move it to the default stack.
      for (const h of inv.hosts) Object.assign(h.vmks[1], { services: ['vsan'], netstack: 'defaultTcpipStack' });
    }),
  );
  const [hot] = findings(report, 'hot-path.vmotion-vmk');
  assert.equal(hot.status, 'fail');
  assert.match(hot.detail, /esx01\.lab\.example\/vmk1/);
  assert.equal(report.summary.fail > 0, true);
});

test('hosts without a provisioning vmk: configuration warnings, cold data expected on management', async () => {
  const report = verify(
    await analyzed(),
    inventory((inv) => {
      for (const h of inv.hosts) h.vmks[2].services = [];
    }),
  );
  assert.equal(findings(report, 'configuration.no-provisioning-vmk').length, 4);
  // The generated cold migration used vmk2, which no longer carries provisioning: wrong vmk.
  assert.equal(findings(report, 'cold-path.nfc-vmk')[0].status, 'fail');
});

test('without an inventory the verdicts that need one are info, and say why', async () => {
  const report = verify(await analyzed(), null);
  assert.equal(report.inventory?.inferred, true);
  assert.equal(findings(report, 'configuration.inventory-inferred').length, 1);
  assert.ok(findings(report, 'hot-path.vmotion-vmk').every((f) => f.status === 'info'));
  assert.ok(report.flows.filter((f) => f.class === 'vmotion').every((f) => f.client.host === f.client.ip));
  assert.equal(report.summary.fail, 0);
  assert.equal(findings(report, 'unknown-endpoint.migration-peer').length, 0);
});

test('migration traffic to an address in no inventory', async () => {
  const report = verify(
    await analyzed(),
    inventory((inv) => {
      inv.hosts = inv.hosts.filter((h) => h.name !== 'esx02.lab.example');
    }),
  );
  const unknown = findings(report, 'unknown-endpoint.migration-peer');
  assert.ok(unknown.some((f) => f.title.startsWith('198.18.20.12 ') && f.status === 'warn'));
});

test('a migration of thousands of streams keeps MAX_EVIDENCE observations and counts the rest', async () => {
  const many = path.join(dir, 'many-streams.pcap');
  fs.writeFileSync(many, generate({ scenario: 'small-packets', flows: 2000, packets: 20000 }).data);
  const analysis = new CaptureAnalysis();
  const facts = await readCapture(many, () => analysis, { hash: false });
  const report = verify(buildReport({ name: 'vmkscope', version: 'test' }, [{ file: many, ...facts, analysis }]), inventory(), DEFAULT_POLICY);
  const gateway = findings(report, 'gateway.crossing').sort((a, b) => b.flows.length - a.flows.length)[0];
  assert.ok(gateway.flows.length >= 400, `${gateway.flows.length} streams`);
  assert.equal(gateway.evidence.length, MAX_EVIDENCE + 1);
  const more = gateway.evidence[MAX_EVIDENCE];
  assert.equal(more.kind, 'more');
  const offered = gateway.flows.reduce((n, id) => n + report.flows.find((f) => f.id === id)!.path.evidence.length, 0);
  const counted = Number(/^(\d+) more observations/.exec(more.text)![1]);
  // Distinct observations first (a shared subnet line is said once), every later one counted.
  assert.ok(counted > offered - 2 * MAX_EVIDENCE && counted < offered, `${counted} of ${offered}`);
  assert.equal(new Set(gateway.evidence.map((e) => e.text)).size, gateway.evidence.length, 'kept evidence is distinct');
});

test('past the migration-candidate bound, flows are still listed and a warning says how many were not judged', async () => {
  const report = await analyzed();
  const held = report.flows.filter(isMigrationCandidate).length;
  assert.ok(held >= 4, `${held} candidates`);
  const v = verifyStream(report.tool, report.captures, () => report.flows, inventory(), DEFAULT_POLICY, 2);
  const flows = [...v.flows()];
  assert.equal(flows.length, report.flows.length);
  assert.equal(v.head.flowCount, report.flows.length);
  const limit = v.head.findings.filter((f) => f.rule === 'capture-quality.migration-flow-limit');
  assert.equal(limit.length, 1);
  assert.equal(limit[0].status, 'warn');
  assert.match(limit[0].title, new RegExp(`^${held - 2} flows on migration ports were not judged: the first 2 were`));
  // Every flow still has its path read, judged or not.
  assert.ok(flows.every((f) => f.path.evidence.length > 0 || f.path.routed === null));
});
