/**
 * The lab's scenarios: which namespaces and vmks exist, the traffic host A sends, the canonical
 * inventory and policy handed to vmkscope, and the verdicts docs/rules.md says it must reach.
 *
 * Address plan (all in 198.18.0.0/15):
 *
 *   esx-a vmk0 198.18.1.11/24 ──[mgmt-a]── gw 198.18.1.1 ┐ router namespace ("the gateway
 *   esx-b vmk0 198.18.2.12/24 ──[mgmt-b]── gw 198.18.2.1 ┘ appliance"), vCenter 198.18.2.5
 *   vmk1 198.18.20.11 / .12 ──[vmotion]── (and the stranger 198.18.20.99 in scenario 6)
 *   vmk2 198.18.30.11 / .12 ──[prov]──
 *
 * The two management subnets are on VLAN 10 (esx-a) and 11 (esx-b): different subnets behind a
 * router are different VLANs on a real network, and the trunk view tags esx-a's frames with its
 * vmks' VLANs. Traffic always goes from esx-a (the source host, where the capture is taken) to
 * the peer, so its uplink shows the source side of the path: the next-hop MAC it chose, TTL 64
 * on what it sends, 64 or 63 on what comes back.
 */
import assert from 'node:assert/strict';
import type { AnalysisReport, FindingRecord, FlowRecord } from '../../core/contract/report.js';
import type { LabInterface, LabNode, Topology } from './netns.js';
import type { ConnectionReport, ConnectionSpec } from './traffic.js';

export interface VmkPlan extends LabInterface {
  vlan: number;
  netstack: string;
  gateway: string | null;
  services: string[];
}

export interface HostPlan {
  /** Inventory name. */
  name: string;
  /** Lab node (namespace) name. */
  node: string;
  version: string;
  vmks: VmkPlan[];
  gateway: string;
}

export interface TrafficStep {
  /** Nodes that listen, and on what. Each connection goes to the server owning its `to`. */
  servers: { node: string; listen: { ip: string; port: number }[] }[];
  /** Sent concurrently by one client process on the source host. */
  connections: ConnectionSpec[];
}

export interface VerdictContext {
  report: AnalysisReport;
  code: number | null;
  /** What the client reported per connection, by label. */
  conns: Map<string, ConnectionReport>;
  scenario: Scenario;
}

export interface Scenario {
  name: string;
  /** One line: what it proves (README and test names). */
  proves: string;
  hosts: HostPlan[];
  /** Router, vCenter, strangers. */
  others: LabNode[];
  /** The host whose interfaces are captured (its vmks are its "uplinks"). */
  captureHost: string;
  steps: TrafficStep[];
  inventory: object;
  expect(ctx: VerdictContext): void;
  /** Optional second run with a policy, and what changes. */
  policy?: { document: object; expect(ctx: VerdictContext): void };
}

const MB = 1024 * 1024;

export const MAC = {
  aVmk0: '0c:c4:7a:1a:01:11', // vmk0 takes the first physical NIC's MAC on ESXi: not VMware's OUI
  bVmk0: '0c:c4:7a:1b:02:12',
  aVmk1: '00:50:56:61:20:11',
  bVmk1: '00:50:56:61:20:12',
  aVmk2: '00:50:56:62:30:11',
  bVmk2: '00:50:56:62:30:12',
  gwA: '02:ae:00:00:01:01',
  gwB: '02:ae:00:00:02:01',
  vcenter: '00:50:56:a0:02:05',
  stranger: '02:de:ad:00:20:99',
} as const;

export const IP = {
  aVmk0: '198.18.1.11',
  bVmk0: '198.18.2.12',
  aVmk1: '198.18.20.11',
  bVmk1: '198.18.20.12',
  aVmk2: '198.18.30.11',
  bVmk2: '198.18.30.12',
  gwA: '198.18.1.1',
  gwB: '198.18.2.1',
  vcenter: '198.18.2.5',
  stranger: '198.18.20.99',
} as const;

export const HOST_A = 'esx-a.lab.test';
export const HOST_B = 'esx-b.lab.test';
const VCENTER = 'vc.lab.test';
const GATEWAY = 'mgmt-gw';

type Side = 'a' | 'b';
type Device = 'vmk0' | 'vmk1' | 'vmk2';

function vmk(side: Side, device: Device, services: string[], netstack = 'defaultTcpipStack'): VmkPlan {
  const a = side === 'a';
  switch (device) {
    case 'vmk0':
      return {
        device,
        segment: a ? 'mgmt-a' : 'mgmt-b',
        mac: a ? MAC.aVmk0 : MAC.bVmk0,
        cidr: `${a ? IP.aVmk0 : IP.bVmk0}/24`,
        mtu: 1500,
        vlan: a ? 10 : 11,
        netstack,
        gateway: a ? IP.gwA : IP.gwB,
        services,
      };
    case 'vmk1':
      return { device, segment: 'vmotion', mac: a ? MAC.aVmk1 : MAC.bVmk1, cidr: `${a ? IP.aVmk1 : IP.bVmk1}/24`, mtu: 9000, vlan: 20, netstack, gateway: null, services };
    case 'vmk2':
      return { device, segment: 'prov', mac: a ? MAC.aVmk2 : MAC.bVmk2, cidr: `${a ? IP.aVmk2 : IP.bVmk2}/24`, mtu: 9000, vlan: 30, netstack, gateway: null, services };
  }
}

function host(side: Side, version: string, vmks: VmkPlan[]): HostPlan {
  return { name: side === 'a' ? HOST_A : HOST_B, node: side, version, vmks, gateway: side === 'a' ? IP.gwA : IP.gwB };
}

const ROUTER: LabNode = {
  name: 'gw',
  router: true,
  interfaces: [
    { device: 'eth-a', segment: 'mgmt-a', mac: MAC.gwA, cidr: `${IP.gwA}/24`, mtu: 1500 },
    { device: 'eth-b', segment: 'mgmt-b', mac: MAC.gwB, cidr: `${IP.gwB}/24`, mtu: 1500 },
  ],
};

const VCENTER_NODE: LabNode = {
  name: 'vc',
  gateway: IP.gwB,
  interfaces: [{ device: 'eth0', segment: 'mgmt-b', mac: MAC.vcenter, cidr: `${IP.vcenter}/24`, mtu: 1500 }],
};

const STRANGER_NODE: LabNode = {
  name: 'x',
  interfaces: [{ device: 'eth0', segment: 'vmotion', mac: MAC.stranger, cidr: `${IP.stranger}/24`, mtu: 9000 }],
};

/** The namespaces of a scenario. */
export function topologyOf(s: Scenario): Topology {
  return { nodes: [...s.hosts.map((h) => ({ name: h.node, gateway: h.gateway, interfaces: h.vmks })), ...s.others] };
}

/** The canonical inventory (report contract) describing the scenario's hosts. */
function inventory(hosts: HostPlan[], withVcenter: boolean): object {
  return {
    hosts: hosts.map((h) => ({
      name: h.name,
      version: h.version,
      vmks: h.vmks.map((v) => ({
        device: v.device,
        ip: v.cidr,
        mac: v.mac,
        vlan: v.vlan,
        netstack: v.netstack,
        ...(v.gateway === null ? {} : { gateway: v.gateway }),
        services: v.services,
      })),
    })),
    vcenters: withVcenter ? [{ name: VCENTER, ip: IP.vcenter }] : [],
    gateways: [{ name: GATEWAY, ips: [IP.gwA, IP.gwB], macs: [MAC.gwA, MAC.gwB] }],
  };
}

function conn(label: string, from: string, to: string, port: number, bytes: number, hold = false): ConnectionSpec {
  return { label, from, to, port, bytes, ...(hold ? { hold } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Assertions on a report

function describe(r: AnalysisReport): string {
  const findings = r.findings.map((f) => `  ${f.rule} ${f.status} flows=[${f.flows.join(',')}]: ${f.title}`).join('\n');
  const migrations = r.migrations.map((m) => `  ${m.id} ${m.kind} streams=${m.streams} flows=[${m.flows.join(',')}]`).join('\n');
  const flows = r.flows
    .map((f) => `  ${f.id} ${f.class} ${f.client.ip}:${f.client.port} (${f.client.host}/${f.client.vmk}) -> ${f.server.ip}:${f.server.port} (${f.server.host}/${f.server.vmk})`)
    .join('\n');
  return `flows:\n${flows}\nmigrations:\n${migrations}\nfindings:\n${findings}`;
}

/** The report's flow for the connection the client made. */
export function flowOf(ctx: VerdictContext, label: string): FlowRecord {
  const c = ctx.conns.get(label);
  assert.ok(c, `no connection labelled ${label}`);
  const f = ctx.report.flows.find((x) => x.protocol === 'tcp' && x.client.ip === c.localIp && x.client.port === c.localPort && x.server.ip === c.remoteIp && x.server.port === c.remotePort);
  assert.ok(f, `no flow ${c.localIp}:${c.localPort} -> ${c.remoteIp}:${c.remotePort} (${label}) in the report\n${describe(ctx.report)}`);
  return f;
}

function flowsOf(ctx: VerdictContext, prefix: string): FlowRecord[] {
  const labels = [...ctx.conns.keys()].filter((l) => l.startsWith(prefix));
  assert.ok(labels.length > 0, `no connection labelled ${prefix}*`);
  return labels.map((l) => flowOf(ctx, l));
}

function expectFlow(ctx: VerdictContext, f: FlowRecord, cls: string, client: [string, string], server: [string | null, string | null] | null): void {
  assert.equal(f.class, cls, `class of ${f.id}\n${describe(ctx.report)}`);
  assert.deepEqual([f.client.host, f.client.vmk], client, `client of ${f.id}`);
  if (server !== null) assert.deepEqual([f.server.host, f.server.vmk], server, `server of ${f.id}`);
}

/** Findings of `rule` about any of `flows`. */
function findingsAbout(ctx: VerdictContext, rule: string, flows: FlowRecord[]): FindingRecord[] {
  const ids = new Set(flows.map((f) => f.id));
  return ctx.report.findings.filter((x) => x.rule === rule && x.flows.some((id) => ids.has(id)));
}

/**
 * Every flow in `flows` is covered by a finding of `rule`, and every such finding has `status`.
 * Returns the findings.
 */
function expectVerdict(ctx: VerdictContext, rule: string, status: string, flows: FlowRecord[]): FindingRecord[] {
  const found = findingsAbout(ctx, rule, flows);
  for (const f of flows) {
    assert.ok(
      found.some((x) => x.flows.includes(f.id)),
      `no ${rule} finding about flow ${f.id} (${f.client.ip}:${f.client.port} -> ${f.server.ip}:${f.server.port})\n${describe(ctx.report)}`,
    );
  }
  for (const x of found) assert.equal(x.status, status, `${rule} (${x.title}) status\n${describe(ctx.report)}`);
  return found;
}

function expectNoFail(ctx: VerdictContext): void {
  const fails = ctx.report.findings.filter((f) => f.status === 'fail');
  assert.deepEqual(
    fails.map((f) => `${f.rule}: ${f.title}`),
    [],
    `no finding may fail\n${describe(ctx.report)}`,
  );
  assert.equal(ctx.code, 0, 'exit status without a failing finding');
}

function expectExit1(ctx: VerdictContext): void {
  assert.equal(ctx.code, 1, `exit status with a failing finding\n${describe(ctx.report)}`);
  assert.ok(ctx.report.summary.fail > 0, 'summary.fail');
}

function text(f: FindingRecord): string {
  return [f.title, f.detail, ...f.evidence.map((e) => e.text)].join('\n');
}

function evidenceText(f: FindingRecord): string {
  return f.evidence.map((e) => e.text).join('\n');
}

function expectMigration(ctx: VerdictContext, kind: string, flows: FlowRecord[], streams: number | null): void {
  const ids = flows.map((f) => f.id);
  const m = ctx.report.migrations.filter((x) => x.kind === kind && ids.some((id) => x.flows.includes(id)));
  assert.equal(m.length, 1, `one ${kind} migration holding flows ${ids.join(',')}\n${describe(ctx.report)}`);
  for (const id of ids) assert.ok(m[0].flows.includes(id), `${kind} migration ${m[0].id} holds ${id}`);
  assert.equal(m[0].sourceHost, HOST_A, 'migration source host');
  assert.equal(m[0].destHost, HOST_B, 'migration destination host');
  if (streams !== null) assert.equal(m[0].streams, streams, `${kind} migration streams`);
}

// ---------------------------------------------------------------------------------------------
// The scenarios

const A = 'a';
const B = 'b';

/** 1. Everything where VMware documents it. */
const documented: Scenario = (() => {
  const hosts = [
    host(A, '7.0.3', [vmk(A, 'vmk0', ['management']), vmk(A, 'vmk1', ['vmotion'], 'vmotion'), vmk(A, 'vmk2', ['vSphereProvisioning'], 'vSphereProvisioning')]),
    host(B, '7.0.3', [vmk(B, 'vmk0', ['management']), vmk(B, 'vmk1', ['vmotion'], 'vmotion'), vmk(B, 'vmk2', ['vSphereProvisioning'], 'vSphereProvisioning')]),
  ];
  return {
    name: 'documented',
    proves: 'vMotion vmk1<->vmk1 and cold NFC vmk2<->vmk2 on their own L2 segments: hot and cold paths pass, the gateway bypass is proven (peer MAC, TTL 64, same subnet)',
    hosts,
    others: [ROUTER, VCENTER_NODE],
    captureHost: A,
    steps: [
      {
        // vCenter talks to the host over management while the vMotion runs: the negative
        // control of vsphere-traffic.md 9.7 (a routed flow in the same capture).
        servers: [
          { node: B, listen: [{ ip: IP.bVmk1, port: 8000 }] },
          { node: 'vc', listen: [{ ip: IP.vcenter, port: 443 }] },
        ],
        connections: [
          conn('vmotion-1', IP.aVmk1, IP.bVmk1, 8000, 3 * MB),
          conn('vmotion-2', IP.aVmk1, IP.bVmk1, 8000, 3 * MB),
          conn('vmotion-3', IP.aVmk1, IP.bVmk1, 8000, 3 * MB),
          conn('mgmt-vc', IP.aVmk0, IP.vcenter, 443, 64 * 1024),
        ],
      },
      { servers: [{ node: B, listen: [{ ip: IP.bVmk2, port: 902 }] }], connections: [conn('nfc', IP.aVmk2, IP.bVmk2, 902, 4 * MB)] },
    ],
    inventory: inventory(hosts, true),
    expect(ctx) {
      const vmotion = flowsOf(ctx, 'vmotion-');
      const nfc = flowOf(ctx, 'nfc');
      for (const f of vmotion) expectFlow(ctx, f, 'vmotion', [HOST_A, 'vmk1'], [HOST_B, 'vmk1']);
      expectFlow(ctx, nfc, 'nfc', [HOST_A, 'vmk2'], [HOST_B, 'vmk2']);
      expectFlow(ctx, flowOf(ctx, 'mgmt-vc'), 'management', [HOST_A, 'vmk0'], null);
      expectMigration(ctx, 'vmotion', vmotion, 3);
      expectMigration(ctx, 'cold', [nfc], null);
      assert.ok(!ctx.report.migrations.some((m) => m.kind === 'udt'), 'no UDT on ESXi 7.0');
      expectVerdict(ctx, 'hot-path.vmotion-vmk', 'pass', vmotion);
      expectVerdict(ctx, 'cold-path.nfc-vmk', 'pass', [nfc]);
      for (const [flows, peerMac] of [
        [vmotion, MAC.bVmk1],
        [[nfc], MAC.bVmk2],
      ] as const) {
        for (const g of expectVerdict(ctx, 'gateway.crossing', 'pass', [...flows])) {
          const ev = evidenceText(g);
          assert.ok(ev.includes(peerMac), `gateway.crossing pass names the peer vmk MAC ${peerMac}:\n${ev}`);
          assert.match(ev, /ttl\D{0,20}64/i, 'gateway.crossing pass shows TTL 64');
          assert.match(ev, /subnet/i, 'gateway.crossing pass says the vmks share a subnet');
          assert.ok(g.evidence.some((e) => e.frames.length > 0), 'gateway.crossing evidence cites frames');
        }
      }
      expectNoFail(ctx);
    },
  };
})();

/** 2. Cold data over management through the gateway although provisioning vmks exist. */
const coldViaManagement: Scenario = (() => {
  const hosts = [
    host(A, '7.0.3', [vmk(A, 'vmk0', ['management']), vmk(A, 'vmk1', ['vmotion']), vmk(A, 'vmk2', ['vSphereProvisioning'])]),
    host(B, '7.0.3', [vmk(B, 'vmk0', ['management']), vmk(B, 'vmk1', ['vmotion']), vmk(B, 'vmk2', ['vSphereProvisioning'])]),
  ];
  const gatewayWarnOrFail = (ctx: VerdictContext, status: 'warn' | 'fail'): void => {
    const nfc = flowOf(ctx, 'nfc');
    for (const g of expectVerdict(ctx, 'gateway.crossing', status, [nfc])) {
      const ev = evidenceText(g);
      assert.ok(ev.includes(MAC.gwA) || /ttl\D{0,20}63/i.test(ev), `gateway.crossing names the router MAC ${MAC.gwA} or TTL 63:\n${ev}`);
      assert.match(ev, /subnet/i, 'gateway.crossing says the vmks are in different subnets');
    }
  };
  return {
    name: 'cold-via-management',
    proves: 'NFC vmk0 -> vmk0 through the router while both hosts have provisioning vmks: cold-path fails, the crossing is reported (warn, fail under a policy)',
    hosts,
    others: [ROUTER],
    captureHost: A,
    steps: [{ servers: [{ node: B, listen: [{ ip: IP.bVmk0, port: 902 }] }], connections: [conn('nfc', IP.aVmk0, IP.bVmk0, 902, 4 * MB)] }],
    inventory: inventory(hosts, false),
    expect(ctx) {
      const nfc = flowOf(ctx, 'nfc');
      expectFlow(ctx, nfc, 'nfc', [HOST_A, 'vmk0'], [HOST_B, 'vmk0']);
      expectMigration(ctx, 'cold', [nfc], null);
      for (const f of expectVerdict(ctx, 'cold-path.nfc-vmk', 'fail', [nfc])) {
        assert.match(text(f), /vmk0/, 'cold-path fail names the vmk used');
        assert.match(text(f), /vmk2/, 'cold-path fail names the provisioning vmk that should have been used');
      }
      gatewayWarnOrFail(ctx, 'warn');
      // Both ends are management vmks: same role, so not KB 340170's asymmetric fallback.
      assert.deepEqual(findingsAbout(ctx, 'asymmetric-path.nfc-fallback', [nfc]).filter((f) => f.status !== 'pass'), [], 'no asymmetric-path finding');
      expectExit1(ctx);
    },
    policy: {
      document: { gateway: { forbid: ['cold'] } },
      expect(ctx) {
        gatewayWarnOrFail(ctx, 'fail');
        expectExit1(ctx);
      },
    },
  };
})();

/** 3. No provisioning vmk anywhere: management is the right path, the crossing is still reported. */
const noProvisioning: Scenario = (() => {
  const hosts = [
    host(A, '7.0.3', [vmk(A, 'vmk0', ['management']), vmk(A, 'vmk1', ['vmotion'])]),
    host(B, '7.0.3', [vmk(B, 'vmk0', ['management']), vmk(B, 'vmk1', ['vmotion'])]),
  ];
  return {
    name: 'no-provisioning-vmk',
    proves: 'without provisioning vmks NFC vmk0 -> vmk0 is correct (cold-path pass) but crosses the gateway (warn), and each host is flagged for having no provisioning vmk',
    hosts,
    others: [ROUTER],
    captureHost: A,
    steps: [{ servers: [{ node: B, listen: [{ ip: IP.bVmk0, port: 902 }] }], connections: [conn('nfc', IP.aVmk0, IP.bVmk0, 902, 4 * MB)] }],
    inventory: inventory(hosts, false),
    expect(ctx) {
      const nfc = flowOf(ctx, 'nfc');
      expectFlow(ctx, nfc, 'nfc', [HOST_A, 'vmk0'], [HOST_B, 'vmk0']);
      expectMigration(ctx, 'cold', [nfc], null);
      expectVerdict(ctx, 'cold-path.nfc-vmk', 'pass', [nfc]);
      expectVerdict(ctx, 'gateway.crossing', 'warn', [nfc]);
      const noProv = ctx.report.findings.filter((f) => f.rule === 'configuration.no-provisioning-vmk');
      for (const name of [HOST_A, HOST_B]) {
        assert.ok(
          noProv.some((f) => f.status === 'warn' && text(f).includes(name)),
          `configuration.no-provisioning-vmk warns about ${name}\n${describe(ctx.report)}`,
        );
      }
      expectNoFail(ctx);
    },
  };
})();

/** 4. UDT on ESXi 8.0: provisioning enabled on the vMotion vmk. */
const udt: Scenario = (() => {
  const services = ['vmotion', 'vSphereProvisioning'];
  const hosts = [
    host(A, '8.0.2', [vmk(A, 'vmk0', ['management']), vmk(A, 'vmk1', services)]),
    host(B, '8.0.2', [vmk(B, 'vmk0', ['management']), vmk(B, 'vmk1', services)]),
  ];
  return {
    name: 'udt',
    proves: 'ESXi 8.0.2 with provisioning on the vMotion vmk: a 902 control connection around 8000 data between the vmk1s is one UDT migration on the provisioning vmk',
    hosts,
    others: [ROUTER],
    captureHost: A,
    steps: [
      {
        servers: [
          {
            node: B,
            listen: [
              { ip: IP.bVmk1, port: 902 },
              { ip: IP.bVmk1, port: 8000 },
            ],
          },
        ],
        connections: [conn('udt-control', IP.aVmk1, IP.bVmk1, 902, 4096, true), conn('udt-data-1', IP.aVmk1, IP.bVmk1, 8000, 4 * MB), conn('udt-data-2', IP.aVmk1, IP.bVmk1, 8000, 4 * MB)],
      },
    ],
    inventory: inventory(hosts, false),
    expect(ctx) {
      const control = flowOf(ctx, 'udt-control');
      const data = flowsOf(ctx, 'udt-data-');
      expectFlow(ctx, control, 'udt-control', [HOST_A, 'vmk1'], [HOST_B, 'vmk1']);
      for (const f of data) expectFlow(ctx, f, 'udt-data', [HOST_A, 'vmk1'], [HOST_B, 'vmk1']);
      expectMigration(ctx, 'udt', [control, ...data], 2);
      assert.ok(!ctx.report.migrations.some((m) => m.kind !== 'udt'), `the 8000 data is not also a hot vMotion or legacy cold migration\n${describe(ctx.report)}`);
      expectVerdict(ctx, 'udt.provisioning-vmk', 'pass', [control, ...data]);
      expectVerdict(ctx, 'gateway.crossing', 'pass', [control, ...data]);
      expectNoFail(ctx);
    },
  };
})();

/** 5. vMotion over the management vmks, routed through the gateway. */
const vmotionOverManagement: Scenario = (() => {
  const hosts = [
    host(A, '7.0.3', [vmk(A, 'vmk0', ['management']), vmk(A, 'vmk1', ['vmotion'])]),
    host(B, '7.0.3', [vmk(B, 'vmk0', ['management']), vmk(B, 'vmk1', ['vmotion'])]),
  ];
  return {
    name: 'vmotion-over-management',
    proves: 'TCP 8000 between the vmk0s (management only, routed through the gateway) while vMotion vmks exist: hot-path fails and the crossing is reported',
    hosts,
    others: [ROUTER],
    captureHost: A,
    steps: [
      {
        servers: [{ node: B, listen: [{ ip: IP.bVmk0, port: 8000 }] }],
        connections: [conn('vmotion-1', IP.aVmk0, IP.bVmk0, 8000, 2 * MB), conn('vmotion-2', IP.aVmk0, IP.bVmk0, 8000, 2 * MB)],
      },
    ],
    inventory: inventory(hosts, false),
    expect(ctx) {
      const vmotion = flowsOf(ctx, 'vmotion-');
      for (const f of vmotion) expectFlow(ctx, f, 'vmotion', [HOST_A, 'vmk0'], [HOST_B, 'vmk0']);
      expectMigration(ctx, 'vmotion', vmotion, 2);
      for (const f of expectVerdict(ctx, 'hot-path.vmotion-vmk', 'fail', vmotion)) assert.match(text(f), /vmk0/, 'hot-path fail names the vmk without vMotion');
      expectVerdict(ctx, 'gateway.crossing', 'warn', vmotion);
      expectExit1(ctx);
    },
  };
})();

/** 6. Migration traffic to an address in no inventory, next to a legitimate vMotion. */
const unknownPeer: Scenario = (() => {
  const hosts = [
    host(A, '7.0.3', [vmk(A, 'vmk0', ['management']), vmk(A, 'vmk1', ['vmotion'])]),
    host(B, '7.0.3', [vmk(B, 'vmk0', ['management']), vmk(B, 'vmk1', ['vmotion'])]),
  ];
  const unknownVerdict = (ctx: VerdictContext, status: 'warn' | 'fail'): void => {
    const stray = flowOf(ctx, 'stray');
    const legit = flowsOf(ctx, 'vmotion-');
    expectVerdict(ctx, 'unknown-endpoint.migration-peer', status, [stray]);
    assert.deepEqual(findingsAbout(ctx, 'unknown-endpoint.migration-peer', legit), [], 'the vMotion between known hosts is not an unknown endpoint');
  };
  return {
    name: 'unknown-peer',
    proves: 'TCP 8000 from esx-a vmk1 to 198.18.20.99 (on the vMotion segment, in no inventory) next to a proper vMotion: unknown-endpoint warns (fails under a policy), only for that flow',
    hosts,
    others: [ROUTER, STRANGER_NODE],
    captureHost: A,
    steps: [
      {
        servers: [
          { node: B, listen: [{ ip: IP.bVmk1, port: 8000 }] },
          { node: 'x', listen: [{ ip: IP.stranger, port: 8000 }] },
        ],
        connections: [conn('vmotion-1', IP.aVmk1, IP.bVmk1, 8000, 2 * MB), conn('vmotion-2', IP.aVmk1, IP.bVmk1, 8000, 2 * MB), conn('stray', IP.aVmk1, IP.stranger, 8000, 2 * MB)],
      },
    ],
    inventory: inventory(hosts, false),
    expect(ctx) {
      const stray = flowOf(ctx, 'stray');
      expectFlow(ctx, stray, 'vmotion', [HOST_A, 'vmk1'], [null, null]);
      const legit = flowsOf(ctx, 'vmotion-');
      for (const f of legit) expectFlow(ctx, f, 'vmotion', [HOST_A, 'vmk1'], [HOST_B, 'vmk1']);
      expectVerdict(ctx, 'hot-path.vmotion-vmk', 'pass', legit);
      unknownVerdict(ctx, 'warn');
      expectNoFail(ctx);
    },
    policy: {
      document: { unknownEndpoints: 'fail' },
      expect(ctx) {
        unknownVerdict(ctx, 'fail');
        expectExit1(ctx);
      },
    },
  };
})();

export const SCENARIOS: readonly Scenario[] = [documented, coldViaManagement, noProvisioning, udt, vmotionOverManagement, unknownPeer];

/** The 802.1Q VLAN of a captured interface of the scenario's capture host (the trunk view). */
export function vlanOfInterface(s: Scenario, iface: string): number | null {
  const h = s.hosts.find((x) => x.node === s.captureHost)!;
  return h.vmks.find((v) => v.device === iface)?.vlan ?? null;
}

/** The interface of `node` holding `ip`, across the whole topology. */
export function interfaceWithIp(s: Scenario, ip: string): { node: string; iface: LabInterface } | null {
  for (const n of topologyOf(s).nodes) {
    const iface = n.interfaces.find((i) => i.cidr.split('/')[0] === ip);
    if (iface !== undefined) return { node: n.name, iface };
  }
  return null;
}

function sameSubnet24(a: string, b: string): boolean {
  return a.split('.').slice(0, 3).join('.') === b.split('.').slice(0, 3).join('.');
}

/**
 * What the wire must show for a connection, derived from the topology (not written down per
 * scenario): the client's vmk MAC, the next hop its frames go to (the peer itself on a shared
 * subnet, else the router's leg on the client's segment), and the TTL of the replies.
 */
export function expectedPath(s: Scenario, c: ConnectionSpec): { clientMac: string; nextHopMac: string; replySrcMac: string; replyTtl: number; mtu: number } {
  const client = interfaceWithIp(s, c.from);
  const server = interfaceWithIp(s, c.to);
  assert.ok(client && server, `${c.label}: both ends are lab interfaces`);
  if (sameSubnet24(c.from, c.to)) return { clientMac: client.iface.mac, nextHopMac: server.iface.mac, replySrcMac: server.iface.mac, replyTtl: 64, mtu: client.iface.mtu };
  const leg = topologyOf(s)
    .nodes.filter((n) => n.router === true)
    .flatMap((n) => n.interfaces)
    .find((i) => i.segment === client.iface.segment);
  assert.ok(leg, `${c.label}: a router on ${client.iface.segment}`);
  return { clientMac: client.iface.mac, nextHopMac: leg.mac, replySrcMac: leg.mac, replyTtl: 63, mtu: client.iface.mtu };
}
