import type { EvidenceRecord } from '../../contract/report.js';
import type { VmkService } from '../../contract/inventory.js';
import { clientLabel, serverLabel, type AttributedFlow, type EndpointRole } from '../attribute.js';
import { sameSubnet, type IndexedVmk } from '../inventory-index.js';
import type { Migration } from '../migrations.js';
import { flowEvidence, type Rule, type RuleContext, type Verdict } from './rule.js';

const KIND_NAME = { vmotion: 'vMotion', cold: 'Cold migration', udt: 'UDT migration' } as const;

function title(m: Migration, what: string): string {
  const r = m.record;
  return `${KIND_NAME[r.kind]} ${r.id} ${r.sourceHost} → ${r.destHost}: ${what}`;
}

function bytesText(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${n} bytes`;
}

function streamEvidence(ctx: RuleContext, f: AttributedFlow): EvidenceRecord {
  return flowEvidence(ctx, f, `${f.record.id}: ${clientLabel(f)} → ${serverLabel(f)}, ${bytesText(f.record.bytes)}`);
}

function inferredVerdict(ctx: RuleContext, m: Migration, what: string): Verdict {
  return {
    status: 'info',
    title: title(m, `${what} cannot be checked without an inventory`),
    detail: 'No inventory was given, so which vmks these addresses are (and which services they carry) is unknown. Give --inventory with the hosts\' vmk configuration (esxcli, govc or PowerCLI output is accepted).',
    flows: m.record.flows,
    evidence: m.flows.map((f) => streamEvidence(ctx, f)),
  };
}

function vmkOf(r: EndpointRole): IndexedVmk | null {
  return r.kind === 'vmk' ? r.vmk : null;
}

/** hot-path.vmotion-vmk: vMotion (TCP 8000) between vmks that carry vMotion on both ends. */
export const hotPathRule: Rule = {
  id: 'hot-path.vmotion-vmk',
  category: 'hot-path',
  check(ctx) {
    const out: Verdict[] = [];
    for (const m of ctx.migrations.filter((x) => x.record.kind === 'vmotion')) {
      if (ctx.inferred) {
        out.push(inferredVerdict(ctx, m, 'which vmks carried it'));
        continue;
      }
      const wrong: string[] = [];
      const unknown: string[] = [];
      for (const f of m.flows) {
        for (const [role, ip] of [
          [f.client, f.record.client.ip],
          [f.server, f.record.server.ip],
        ] as const) {
          const v = vmkOf(role);
          if (v === null) unknown.push(ip);
          else if (!v.services.has('vmotion')) {
            const why = v.deactivated.has('vmotion') ? 'vMotion is tagged but deactivated: the host has a vmk on the vmotion netstack' : `it carries ${[...v.services].join(', ') || 'no service'}`;
            wrong.push(`${v.label} (${ip}): ${why}`);
          }
        }
      }
      const ev = m.flows.map((f) => streamEvidence(ctx, f));
      const vmks = [...new Set([...m.record.sourceVmks, ...m.record.destVmks])].join(', ');
      if (wrong.length > 0) {
        out.push({
          status: 'fail',
          title: title(m, `hot data on a vmk without vMotion (${[...new Set(wrong.map((w) => w.split(' ')[0]))].join(', ')})`),
          detail: `Memory and device state moved over TCP 8000 on ${[...new Set(wrong)].join('; ')}. Hot data must use vMotion-enabled vmks on both hosts (KB 340170; KB 59232).`,
          flows: m.record.flows,
          evidence: ev,
        });
      } else if (unknown.length > 0) {
        out.push({
          status: 'info',
          title: title(m, `not all ends are in the inventory (${[...new Set(unknown)].join(', ')})`),
          detail: 'The vMotion vmk rule can only be checked for ends the inventory knows; see the unknown-endpoint finding.',
          flows: m.record.flows,
          evidence: ev,
        });
      } else {
        out.push({
          status: 'pass',
          title: title(m, `hot data on vMotion vmks (${vmks})`),
          detail: `${m.record.streams} stream(s), ${bytesText(m.record.bytes)}, all between vmks that carry vMotion: ${vmks}.`,
          flows: m.record.flows,
          evidence: ev,
        });
      }
    }
    return out;
  },
};

/** Provisioning vmk of both hosts in different subnets: KB 340170 scenario 4 lets the source fall back to vmk0. */
function scenarioFour(ctx: RuleContext, source: IndexedVmk, dest: IndexedVmk): boolean {
  const sp = ctx.index.withService(source.host, 'vSphereProvisioning');
  const dp = ctx.index.withService(dest.host, 'vSphereProvisioning');
  return sp.length > 0 && dp.length > 0 && !sp.some((a) => dp.some((b) => sameSubnet(a, b)));
}

/** cold-path.nfc-vmk: host-to-host NFC on the provisioning vmk, else management (KB 340170). */
export const coldPathRule: Rule = {
  id: 'cold-path.nfc-vmk',
  category: 'cold-path',
  check(ctx) {
    const out: Verdict[] = [];
    for (const m of ctx.migrations.filter((x) => x.record.kind === 'cold')) {
      if (ctx.inferred) {
        out.push(inferredVerdict(ctx, m, 'which vmks carried the cold data'));
        continue;
      }
      const problems: string[] = [];
      const used = new Set<string>();
      let unknown = false;
      for (const f of m.flows) {
        const source = vmkOf(f.client);
        const dest = vmkOf(f.server);
        if (source === null || dest === null) {
          unknown = true;
          continue;
        }
        used.add(source.label).add(dest.label);
        const d = ctx.index.coldDataVmks(dest.host);
        if (!d.vmks.includes(dest)) {
          problems.push(`${dest.label} received it, but ${dest.host.name}'s cold data belongs on its ${d.provisioning ? 'provisioning' : 'management'} vmk ${d.vmks.map((v) => v.label).join(', ') || '(none)'}`);
        }
        const s = ctx.index.coldDataVmks(source.host);
        const fallback = s.provisioning && ctx.index.managementVmks(source.host).includes(source) && scenarioFour(ctx, source, dest);
        if (!s.vmks.includes(source) && !fallback) {
          problems.push(`${source.label} sent it, but ${source.host.name}'s cold data belongs on its ${s.provisioning ? 'provisioning' : 'management'} vmk ${s.vmks.map((v) => v.label).join(', ') || '(none)'}`);
        }
      }
      const ev = m.flows.map((f) => streamEvidence(ctx, f));
      if (problems.length > 0) {
        out.push({
          status: 'fail',
          title: title(m, `cold data on the wrong vmk`),
          detail: `${[...new Set(problems)].join('; ')}. Cold data (powered-off VMs, clones, snapshots, cold data in hot migrations) uses the provisioning vmk where the host has one, else management (vSphere 6.7 "Network Traffic for Cold Migration"; KB 340170).`,
          flows: m.record.flows,
          evidence: ev,
        });
      } else if (unknown) {
        out.push({ status: 'info', title: title(m, 'not all ends are in the inventory'), detail: 'The cold-data vmk rule can only be checked for ends the inventory knows; see the unknown-endpoint finding.', flows: m.record.flows, evidence: ev });
      } else {
        out.push({
          status: 'pass',
          title: title(m, `cold data on the expected vmks (${[...used].join(', ')})`),
          detail: `NFC on TCP 902 used ${[...used].join(', ')}: each host's provisioning vmk, or its management vmk where it has none (KB 340170).`,
          flows: m.record.flows,
          evidence: ev,
        });
      }
    }
    return out;
  },
};

/** udt.provisioning-vmk: UDT control and data on provisioning-enabled vmks (vSphere 8). */
export const udtRule: Rule = {
  id: 'udt.provisioning-vmk',
  category: 'udt',
  check(ctx) {
    const out: Verdict[] = [];
    for (const m of ctx.migrations.filter((x) => x.record.kind === 'udt')) {
      if (ctx.inferred) {
        out.push(inferredVerdict(ctx, m, 'which vmks carried UDT'));
        continue;
      }
      const wrong = new Set<string>();
      for (const f of m.flows) for (const v of [vmkOf(f.client), vmkOf(f.server)]) if (v !== null && !v.services.has('vSphereProvisioning')) wrong.add(v.label);
      const ev = m.flows.map((f) => streamEvidence(ctx, f));
      const data = m.flows.filter((f) => f.record.class === 'udt-data').length;
      const control = m.flows.length - data;
      out.push(
        wrong.size > 0
          ? { status: 'fail', title: title(m, `UDT on a vmk without provisioning (${[...wrong].join(', ')})`), detail: `UDT (NFC control on TCP 902, data on TCP 8000) must run on the provisioning-enabled vmk; ${[...wrong].join(', ')} do not carry provisioning (core.vmware.com UDT article; KB 340170).`, flows: m.record.flows, evidence: ev }
          : { status: 'pass', title: title(m, `UDT on provisioning-enabled vmks (${[...new Set([...m.record.sourceVmks, ...m.record.destVmks])].join(', ')})`), detail: `${control} NFC control and ${data} vMotion-protocol data connection(s) between ESXi 8.0+ hosts, on vmks with provisioning enabled.`, flows: m.record.flows, evidence: ev },
      );
    }
    return out;
  },
};

/** The role a vmk plays for a protocol: what a reviewer calls it. */
function roleFor(v: IndexedVmk, order: VmkService[], ctx: RuleContext): string {
  for (const s of order) if (v.services.has(s)) return s === 'vSphereProvisioning' ? 'provisioning' : s;
  return ctx.index.managementVmks(v.host).includes(v) ? 'management' : 'other';
}

/** asymmetric-path.nfc-fallback: the two ends of a migration's flows use vmks of different roles. */
export const asymmetricRule: Rule = {
  id: 'asymmetric-path.nfc-fallback',
  category: 'asymmetric-path',
  check(ctx) {
    if (ctx.inferred) return [];
    const out: Verdict[] = [];
    for (const m of ctx.migrations) {
      const order: VmkService[] = m.record.kind === 'vmotion' ? ['vmotion', 'vSphereProvisioning', 'management'] : ['vSphereProvisioning', 'management', 'vmotion'];
      const asymmetric: { f: AttributedFlow; c: IndexedVmk; s: IndexedVmk; rc: string; rs: string }[] = [];
      for (const f of m.flows) {
        const c = vmkOf(f.client);
        const s = vmkOf(f.server);
        if (c === null || s === null) continue;
        const rc = roleFor(c, order, ctx);
        const rs = roleFor(s, order, ctx);
        if (rc !== rs) asymmetric.push({ f, c, s, rc, rs });
      }
      if (asymmetric.length === 0) continue;
      const pairs = [...new Set(asymmetric.map((a) => `${a.c.label} (${a.rc}) → ${a.s.label} (${a.rs})`))];
      const fallback = asymmetric.some((a) => a.rc === 'management' && a.rs === 'provisioning');
      out.push({
        status: 'warn',
        title: title(m, `the ends use vmks of different roles: ${pairs.join('; ')}`),
        detail: fallback
          ? 'The source used its management vmk and the destination its provisioning vmk: KB 340170 scenario 4 (provisioning vmks in different subnets, no route on the provisioning stack, physical routing present). The source side crosses the management network and almost certainly its gateway.'
          : 'One end used a vmk of one role, the other a vmk of another: the path is asymmetric and the two ends sit on different networks.',
        flows: asymmetric.map((a) => a.f.record.id),
        evidence: asymmetric.map((a) => streamEvidence(ctx, a.f)),
      });
    }
    return out;
  },
};

/** unknown-endpoint.migration-peer: migration protocols to or from an address in no inventory. */
export const unknownEndpointRule: Rule = {
  id: 'unknown-endpoint.migration-peer',
  category: 'unknown-endpoint',
  check(ctx) {
    if (ctx.inferred) return [];
    const byAddress = new Map<string, AttributedFlow[]>();
    for (const f of ctx.flows) {
      const r = f.record;
      if (r.protocol !== 'tcp' || (r.server.port !== 8000 && r.server.port !== 902)) continue;
      for (const [role, ip] of [
        [f.client, r.client.ip],
        [f.server, r.server.ip],
      ] as const) {
        if (role.kind !== 'unknown') continue;
        const list = byAddress.get(ip) ?? [];
        list.push(f);
        byAddress.set(ip, list);
      }
    }
    return [...byAddress].map(([ip, flows]) => ({
      status: ctx.policy.unknownEndpoints,
      title: `${ip} exchanged migration traffic (TCP ${[...new Set(flows.map((f) => f.record.server.port))].join('/')}) but is in no inventory`,
      detail: `${flows.length} flow(s), ${bytesText(flows.reduce((s, f) => s + f.record.bytes, 0))}: an address that is neither a known vmk nor vCenter sent or received vMotion/NFC traffic. It may be a host missing from the inventory, a backup proxy, or traffic that should not be there.`,
      flows: flows.map((f) => f.record.id),
      evidence: flows.map((f) => flowEvidence(ctx, f, `${f.record.id}: ${clientLabel(f)} → ${serverLabel(f)}, TCP ${f.record.server.port}`)),
    }));
  },
};

