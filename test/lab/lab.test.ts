/**
 * The network-namespace lab: namespaces play two ESXi hosts, a gateway appliance, a vCenter and
 * a stranger; real sockets carry vMotion (8000), NFC (902) and UDT between the vmks, tcpdump
 * captures host A's interfaces, and rewritten variants (802.1Q trunk, pcapng per interface,
 * ERSPAN II/III) are made from that capture. For each scenario of scenarios.ts:
 *
 * - the infrastructure: transfers complete byte for byte, no namespace survives, tshark finds
 *   every connection with the MACs, TTLs and sizes the topology implies, our merge agrees with
 *   mergecap, and tshark decodes each variant as what it claims to be;
 * - the verdicts: `vmkscope analyze --inventory` (and `--policy`) reaches the verdicts of
 *   docs/rules.md, with evidence frames that show what the evidence says, and the same verdicts
 *   on every variant.
 *
 * Skipped, with the reason printed, where namespaces cannot be made (not root, no iproute2,
 * tcpdump or tshark).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { AnalysisReport } from '../../core/contract/report.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { tsharkFields } from '../helpers/tshark.js';
import { BLOCK_TIMEOUT_MS, mergeCaptures, mergecap, readFrames, startCapture, type CaptureStats, type RunningCapture } from './capture.js';
import { Lab, labUnavailable, namespacesOf, teardownAllLabs } from './netns.js';
import { tagVlans, wrapErspan, writePcap, writePcapng, type LabFrame } from './rewrite.js';
import { expectedPath, IP, SCENARIOS, topologyOf, vlanOfInterface, type Scenario, type VerdictContext } from './scenarios.js';
import { runClient, startServer, type ConnectionReport, type ServedConnection } from './traffic.js';

const UNAVAILABLE = labUnavailable();
if (UNAVAILABLE !== null) console.log(`# skipping lab: ${UNAVAILABLE}`);

after(teardownAllLabs);
/** VMKSCOPE_LAB_KEEP=1 keeps the captures, inventories and variants for a look in Wireshark. */
const KEEP = process.env.VMKSCOPE_LAB_KEEP !== undefined && process.env.VMKSCOPE_LAB_KEEP !== '';
const ROOT = UNAVAILABLE !== null ? '' : KEEP ? fs.mkdtempSync(path.join(os.tmpdir(), 'vmkscope-lab-')) : tempDir('vmkscope-lab-');
if (KEEP && ROOT !== '') console.log(`# lab files kept in ${ROOT}`);

/** Generous: a whole scenario's traffic takes well under a second here. */
const TRAFFIC_TIMEOUT_MS = 20_000;

const ERSPAN_COLLECTOR = { mac: '02:c0:11:ec:70:50', ip: '198.18.99.50' };
const ERSPAN2_SESSION = 120;
const ERSPAN3_SESSION = 310;

interface Variant {
  name: string;
  file: string;
}

interface ScenarioRun {
  dir: string;
  frames: LabFrame[];
  perInterface: { iface: string; file: string; stats: CaptureStats }[];
  conns: ConnectionReport[];
  served: ServedConnection[];
  leftovers: string[];
  base: string;
  variants: Variant[];
  inventory: string;
  policy: string | null;
}

async function runScenario(s: Scenario, root: string): Promise<ScenarioRun> {
  const dir = path.join(root, s.name);
  fs.mkdirSync(dir);
  const lab = new Lab();
  const host = s.hosts.find((h) => h.node === s.captureHost)!;
  const captures: RunningCapture[] = [];
  const stats: CaptureStats[] = [];
  const conns: ConnectionReport[] = [];
  const served: ServedConnection[] = [];
  try {
    lab.build(topologyOf(s));
    for (const v of host.vmks) captures.push(await startCapture(lab, host.node, v.device, path.join(dir, `${v.device}.pcap`)));
    for (const step of s.steps) {
      const servers = await Promise.all(
        step.servers.map((sv) =>
          startServer(lab, sv.node, {
            listen: sv.listen,
            connections: step.connections.filter((c) => sv.listen.some((l) => l.ip === c.to && l.port === c.port)).length,
            timeoutMs: TRAFFIC_TIMEOUT_MS,
          }),
        ),
      );
      conns.push(...(await runClient(lab, s.captureHost, { connections: step.connections, timeoutMs: TRAFFIC_TIMEOUT_MS })));
      for (const sv of servers) served.push(...(await sv.done));
    }
    // The last packets may still sit in a partly filled ring block of tcpdump's.
    await sleep(BLOCK_TIMEOUT_MS);
  } finally {
    try {
      const stopped = await Promise.allSettled(captures.map((c) => c.stop()));
      for (const r of stopped) {
        if (r.status === 'rejected') throw r.reason;
        stats.push(r.value);
      }
    } finally {
      await lab.teardown();
    }
  }
  const leftovers = namespacesOf(lab);

  const perInterface = captures.map((c, i) => ({ iface: c.iface, file: c.file, stats: stats[i] }));
  const frames = await mergeCaptures(perInterface);
  const base = path.join(dir, 'capture.pcap');
  fs.writeFileSync(base, writePcap(frames, { nano: true }));
  const tagged = tagVlans(frames, (iface) => vlanOfInterface(s, iface));
  const mirror = { srcMac: host.vmks[0].mac, srcIp: host.vmks[0].cidr.split('/')[0], dstMac: ERSPAN_COLLECTOR.mac, dstIp: ERSPAN_COLLECTOR.ip };
  const variants: Variant[] = [
    { name: 'trunk (802.1Q, µs pcap)', file: path.join(dir, 'trunk.pcap') },
    { name: 'pcapng, an IDB per vmk', file: path.join(dir, 'interfaces.pcapng') },
    { name: 'ERSPAN II', file: path.join(dir, 'erspan2.pcap') },
    { name: 'ERSPAN III of the trunk view', file: path.join(dir, 'erspan3-trunk.pcapng') },
  ];
  fs.writeFileSync(variants[0].file, writePcap(tagged, { nano: false }));
  // vmk1 (vMotion) gets nanosecond timestamps, the others pcapng's default microseconds.
  fs.writeFileSync(variants[1].file, writePcapng(frames, host.vmks.map((v) => ({ name: v.device, digits: v.device === 'vmk1' ? 9 : 6 }))));
  fs.writeFileSync(variants[2].file, writePcap(wrapErspan(frames, { version: 2, session: ERSPAN2_SESSION, ...mirror }), { nano: false }));
  const erspan3 = wrapErspan(tagged, { version: 3, session: ERSPAN3_SESSION, ...mirror }).map((f) => ({ ...f, iface: 'collector' }));
  fs.writeFileSync(variants[3].file, writePcapng(erspan3, [{ name: 'collector', digits: 9 }]));

  const inventory = path.join(dir, 'inventory.yaml');
  // No YAML anchors/aliases for shared arrays: plain documents, as an admin would write them.
  fs.writeFileSync(inventory, stringify(s.inventory, { aliasDuplicateObjects: false }));
  let policy: string | null = null;
  if (s.policy !== undefined) {
    policy = path.join(dir, 'policy.yaml');
    fs.writeFileSync(policy, stringify(s.policy.document, { aliasDuplicateObjects: false }));
  }
  return { dir, frames, perInterface, conns, served, leftovers, base, variants, inventory, policy };
}

/** tshark -T fields output as one object per frame. */
function fieldRows(file: string, fields: string[]): Record<string, string>[] {
  const [header, ...lines] = tsharkFields(file, fields).trimEnd().split('\n');
  const names = header.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
  });
}

async function analyze(capture: string, inventory: string, policy: string | null): Promise<{ code: number | null; report: AnalysisReport }> {
  const args = ['analyze', capture, '--inventory', inventory, ...(policy === null ? [] : ['--policy', policy]), '--json', '-', '--no-progress'];
  const r = await runCli(args);
  assert.ok(r.code === 0 || r.code === 1, `vmkscope ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return { code: r.code, report: JSON.parse(r.stdout) as AnalysisReport };
}

/** What must not change between variants of one capture: classes, attribution, migrations, verdicts. */
function verdictKey(r: AnalysisReport): object {
  const key = new Map(r.flows.map((f) => [f.id, `${f.protocol} ${f.client.ip}:${f.client.port}>${f.server.ip}:${f.server.port}`]));
  const keys = (ids: string[]): string => ids.map((id) => key.get(id) ?? id).sort().join(', ');
  return {
    flows: r.flows.map((f) => `${key.get(f.id)} ${f.class} ${f.client.host}/${f.client.vmk} ${f.server.host}/${f.server.vmk}`).sort(),
    migrations: r.migrations.map((m) => `${m.kind} streams=${m.streams} ${m.sourceHost}>${m.destHost} [${keys(m.flows)}]`).sort(),
    findings: r.findings.map((f) => `${f.rule} ${f.status} [${keys(f.flows)}]`).sort(),
  };
}

const MAC_RE = /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/g;

for (const s of SCENARIOS) {
  if (UNAVAILABLE !== null) {
    // A skipped describe() is not counted by node:test's summary: a skipped test is.
    test(`lab: ${s.name}`, { skip: UNAVAILABLE }, () => undefined);
    continue;
  }
  describe(`lab: ${s.name}`, () => {
    let run: ScenarioRun;
    let baseAnalysis: Promise<{ code: number | null; report: AnalysisReport }> | null = null;
    /** The base capture with the scenario's inventory, analysed once for the tests that need it. */
    const analyzeBase = (): Promise<{ code: number | null; report: AnalysisReport }> => (baseAnalysis ??= analyze(run.base, run.inventory, null));
    // The outer guard: every wait inside has its own timeout well below this.
    before(
      async () => {
        run = await runScenario(s, ROOT);
      },
      { timeout: 120_000 },
    );

    test('namespaces up and down: every byte sent arrived, tcpdump dropped nothing, no namespace is left', () => {
      const specs = s.steps.flatMap((st) => st.connections);
      assert.equal(run.conns.length, specs.length);
      for (const c of run.conns) {
        assert.equal(c.acked, c.sent, `${c.label}: the server acknowledged every byte`);
        const got = run.served.find((x) => x.remoteIp === c.localIp && x.remotePort === c.localPort && x.localPort === c.remotePort);
        assert.ok(got, `${c.label}: the server saw the connection from ${c.localIp}:${c.localPort}`);
        assert.equal(got.received, c.sent, `${c.label}: bytes received`);
      }
      for (const p of run.perInterface) {
        assert.equal(p.stats.droppedByKernel, 0, `tcpdump on ${p.iface} dropped packets`);
        assert.equal(p.stats.captured, p.stats.receivedByFilter, `tcpdump on ${p.iface} wrote every packet it received`);
      }
      assert.deepEqual(run.leftovers, [], 'namespaces left after teardown');
    });

    test('tshark finds each connection with the MACs, TTLs, frame sizes and bytes the topology implies', () => {
      const rows = fieldRows(run.base, ['frame.number', 'frame.len', 'eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ip.ttl', 'tcp.srcport', 'tcp.dstport', 'tcp.seq', 'tcp.len', 'arp.opcode', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4']);
      assert.equal(rows.length, run.frames.length, 'tshark and vmkscope count the same frames');
      const span = new Map<string, [number, number]>();
      for (const spec of s.steps.flatMap((st) => st.connections)) {
        const c = run.conns.find((x) => x.label === spec.label)!;
        const want = expectedPath(s, spec);
        const out = rows.filter((r) => r['ip.src'] === c.localIp && r['tcp.srcport'] === String(c.localPort) && r['ip.dst'] === c.remoteIp && r['tcp.dstport'] === String(c.remotePort));
        const back = rows.filter((r) => r['ip.dst'] === c.localIp && r['tcp.dstport'] === String(c.localPort) && r['ip.src'] === c.remoteIp && r['tcp.srcport'] === String(c.remotePort));
        assert.ok(out.length > 0 && back.length > 0, `${spec.label}: frames in both directions`);
        const numbers = [...out, ...back].map((r) => Number(r['frame.number']));
        span.set(spec.label, [Math.min(...numbers), Math.max(...numbers)]);
        const distinct = (list: Record<string, string>[], f: string): string[] => [...new Set(list.map((r) => r[f]))];
        assert.deepEqual(distinct(out, 'eth.src'), [want.clientMac], `${spec.label}: source MAC`);
        assert.deepEqual(distinct(out, 'eth.dst'), [want.nextHopMac], `${spec.label}: next-hop MAC`);
        assert.deepEqual(distinct(out, 'ip.ttl'), ['64'], `${spec.label}: TTL sent`);
        assert.deepEqual(distinct(back, 'eth.src'), [want.replySrcMac], `${spec.label}: MAC the replies come from`);
        assert.deepEqual(distinct(back, 'ip.ttl'), [String(want.replyTtl)], `${spec.label}: TTL of the replies`);
        // Every byte sent is in the capture: the data segments (retransmissions included: a
        // burst can overflow a veth backlog, and TCP resends) cover the relative sequence
        // space [1, sent] without a gap.
        const segments = out
          .filter((r) => Number(r['tcp.len']) > 0)
          .map((r) => [Number(r['tcp.seq']), Number(r['tcp.seq']) + Number(r['tcp.len'])] as const)
          .sort((x, y) => x[0] - y[0]);
        let covered = 1;
        for (const [from, to] of segments) {
          assert.ok(from <= covered, `${spec.label}: bytes ${covered}..${from - 1} missing from the capture`);
          covered = Math.max(covered, to);
        }
        assert.equal(covered - 1, c.sent, `${spec.label}: sequence space captured = bytes sent`);
        const largest = Math.max(...out.map((r) => Number(r['frame.len'])));
        assert.ok(largest <= want.mtu + 14, `${spec.label}: largest frame ${largest} fits the MTU ${want.mtu} (no offload super-packets)`);
        // Fresh namespaces: the client had to resolve its next hop, and the capture shows it.
        const nextHopIp = want.replyTtl === 64 ? c.remoteIp : s.hosts.find((h) => h.node === s.captureHost)!.gateway;
        assert.ok(rows.some((r) => r['arp.opcode'] === '1' && r['arp.dst.proto_ipv4'] === nextHopIp), `${spec.label}: ARP for ${nextHopIp}`);
      }
      // A held connection (UDT's NFC control) opens before and closes after the data of its step.
      for (const step of s.steps) {
        for (const held of step.connections.filter((c) => c.hold === true)) {
          const [first, last] = span.get(held.label)!;
          for (const other of step.connections.filter((c) => c.hold !== true)) {
            const [f, l] = span.get(other.label)!;
            assert.ok(first < f && last > l, `${held.label} (frames ${first}-${last}) brackets ${other.label} (frames ${f}-${l})`);
          }
        }
      }
    });

    test('our time-ordered merge agrees with mergecap', async () => {
      const out = path.join(run.dir, 'mergecap.pcap');
      mergecap(
        run.perInterface.map((p) => p.file),
        out,
      );
      const theirs = await readFrames(out, '?');
      assert.equal(theirs.length, run.frames.length);
      const stamp = (f: LabFrame): string => `${f.sec}.${String(f.nsec).padStart(9, '0')} ${Buffer.from(f.data).toString('base64')}`;
      const ours = run.frames.map(stamp);
      const mergecaps = theirs.map(stamp);
      for (let i = 0; i < ours.length; i++) assert.ok(ours[i] === mergecaps[i], `frame ${i + 1} differs from mergecap's`);
    });

    test('tshark decodes the variants: 802.1Q by vmk, pcapng interfaces and resolutions, ERSPAN II and III', () => {
      const origin = run.frames.map((f) => f.iface);
      const base = fieldRows(run.base, ['frame.number', 'ip.src', 'frame.time_epoch']);
      // Trunk view: every frame tagged with its vmk's VLAN.
      const trunk = fieldRows(run.variants[0].file, ['frame.number', 'vlan.id', 'ip.src']);
      assert.equal(trunk.length, origin.length);
      trunk.forEach((r, i) => {
        assert.equal(r['vlan.id'], String(vlanOfInterface(s, origin[i])), `trunk frame ${i + 1} (${origin[i]})`);
        assert.equal(r['ip.src'], base[i]['ip.src'], `trunk frame ${i + 1} inner IP`);
      });
      // pcapng: each frame on the IDB of its vmk, vmk1 with nanoseconds.
      const ng = fieldRows(run.variants[1].file, ['frame.number', 'frame.interface_name', 'frame.time_epoch']);
      assert.equal(ng.length, origin.length);
      ng.forEach((r, i) => {
        assert.equal(r['frame.interface_name'], origin[i], `pcapng frame ${i + 1} interface`);
        const f = run.frames[i];
        const digits = origin[i] === 'vmk1' ? 9 : 6;
        const frac = String(f.nsec).padStart(9, '0').slice(0, digits).padEnd(9, '0');
        assert.equal(r['frame.time_epoch'], `${f.sec}.${frac}`, `pcapng frame ${i + 1} timestamp at ${digits} digits`);
      });
      // ERSPAN: outer GRE to the collector, the session id, the mirrored frame inside.
      for (const [variant, version, session] of [
        [run.variants[2], '1', ERSPAN2_SESSION],
        [run.variants[3], '2', ERSPAN3_SESSION],
      ] as const) {
        const rows = fieldRows(variant.file, ['frame.number', 'erspan.version', 'erspan.spanid', 'ip.src', 'ip.dst', 'vlan.id', 'tcp.srcport']);
        assert.equal(rows.length, origin.length, variant.name);
        rows.forEach((r, i) => {
          assert.equal(r['erspan.version'], version, `${variant.name} frame ${i + 1} version`);
          assert.equal(r['erspan.spanid'], String(session), `${variant.name} frame ${i + 1} session`);
          const src = r['ip.src'].split(',');
          assert.equal(src[0], IP.aVmk0, `${variant.name} frame ${i + 1}: mirrored by esx-a's vmk0`);
          assert.equal(r['ip.dst'].split(',')[0], ERSPAN_COLLECTOR.ip, `${variant.name} frame ${i + 1}: to the collector`);
          if (base[i]['ip.src'] !== '') assert.equal(src[1], base[i]['ip.src'], `${variant.name} frame ${i + 1} inner IP`);
          if (version === '2') assert.equal(r['vlan.id'], String(vlanOfInterface(s, origin[i])), `${variant.name} frame ${i + 1} inner VLAN`);
        });
      }
    });

    test(`verdicts: ${s.proves}`, async () => {
      const { code, report } = await analyzeBase();
      const ctx: VerdictContext = { report, code, conns: new Map(run.conns.map((c) => [c.label, c])), scenario: s };
      s.expect(ctx);
      // Evidence frames are Wireshark frame numbers: each one exists, and a gateway item naming
      // MACs or a TTL cites frames that show them.
      const rows = fieldRows(run.base, ['frame.number', 'eth.src', 'eth.dst', 'arp.src.hw_mac', 'arp.dst.hw_mac', 'ip.ttl']);
      for (const f of report.findings) {
        for (const e of f.evidence) {
          for (const n of e.frames) {
            assert.ok(n >= 1 && n <= rows.length, `${f.rule} evidence "${e.text}" cites frame ${n} of ${rows.length}`);
            if (f.rule !== 'gateway.crossing') continue;
            const r = rows[n - 1];
            const macs = e.text.toLowerCase().match(MAC_RE);
            if (macs !== null) {
              const seen = [r['eth.src'], r['eth.dst'], r['arp.src.hw_mac'], r['arp.dst.hw_mac']];
              assert.ok(macs.some((m) => seen.includes(m)), `${f.rule} evidence "${e.text}" cites frame ${n}, which carries ${seen.filter(Boolean).join(' ')}`);
            }
            const ttl = /\bTTL (\d+)\b/i.exec(e.text);
            if (ttl !== null) assert.equal(r['ip.ttl'], ttl[1], `${f.rule} evidence "${e.text}" cites frame ${n}`);
          }
        }
      }
      if (s.policy !== undefined) {
        const withPolicy = await analyze(run.base, run.inventory, run.policy);
        s.policy.expect({ ...ctx, report: withPolicy.report, code: withPolicy.code });
      }
    });

    test('capture quality: vmkscope finds nothing wrong with a capture the lab proved complete', async () => {
      // The infrastructure tests above prove it: tcpdump dropped nothing, every byte sent is in
      // the sequence space captured, both directions are there, whole frames (-s 0), each
      // packet captured once (one capture per interface, a packet leaves on one interface).
      const { report } = await analyzeBase();
      const complaints = report.findings.filter((f) => f.category === 'capture-quality' && (f.status === 'warn' || f.status === 'fail'));
      assert.deepEqual(
        complaints.map((f) => `${f.rule} ${f.status}: ${f.title} | ${f.evidence.map((e) => e.text).join(' | ')}`),
        [],
      );
    });

    test('the same verdicts on every variant (trunk, pcapng, ERSPAN II, ERSPAN III)', async () => {
      const base = await analyzeBase();
      for (const v of run.variants) {
        const other = await analyze(v.file, run.inventory, null);
        assert.equal(other.code, base.code, `${v.name}: exit status`);
        assert.deepEqual(verdictKey(other.report), verdictKey(base.report), v.name);
      }
    });
  });
}
