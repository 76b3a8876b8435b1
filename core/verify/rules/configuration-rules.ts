import type { EvidenceRecord } from '../../contract/report.js';
import type { VmkService } from '../../contract/inventory.js';
import { formatIp } from '../../net/ip.js';
import { sameSubnet } from '../inventory-index.js';
import { evidence, type Rule, type Verdict } from './rule.js';

function inventoryEvidence(text: string): EvidenceRecord {
  return evidence('inventory', text, [], null);
}

/** configuration.no-provisioning-vmk: cold data will ride management. */
export const noProvisioningRule: Rule = {
  id: 'configuration.no-provisioning-vmk',
  category: 'configuration',
  check(ctx) {
    if (ctx.inferred) return [];
    return ctx.index.inventory.hosts
      .filter((h) => ctx.index.withService(h, 'vSphereProvisioning').length === 0)
      .map((h) => ({
        status: 'warn' as const,
        title: `${h.name}: a provisioning network is not configured`,
        detail: `No vmk on ${h.name} carries provisioning, so its cold data (clones, snapshots, powered-off VMs, cold data of hot migrations) uses the management vmk ${ctx.index.managementVmks(h).map((v) => v.label).join(', ') || '(none found)'} (KB 340170; vCenter's warning, KB 394773). Where management sits behind a gateway appliance, that data crosses it. On ESXi 8 enabling provisioning on the vMotion vmk also turns on UDT.`,
        flows: [],
        evidence: ctx.index.vmksOf(h).map((v) => inventoryEvidence(`${v.label}: ${[...v.services].join(', ') || 'no services'} (${v.vmk.netstack})`)),
      }));
  },
};

/** configuration.multiple-provisioning-vmks: at most one provisioning vmk per host. */
export const multipleProvisioningRule: Rule = {
  id: 'configuration.multiple-provisioning-vmks',
  category: 'configuration',
  check(ctx) {
    if (ctx.inferred) return [];
    return ctx.index.inventory.hosts
      .map((h) => ({ h, vmks: ctx.index.withService(h, 'vSphereProvisioning') }))
      .filter(({ vmks }) => vmks.length > 1)
      .map(({ h, vmks }) => ({
        status: 'fail' as const,
        title: `${h.name}: ${vmks.length} vmks carry provisioning (${vmks.map((v) => v.vmk.device).join(', ')})`,
        detail: '"On a host, you can assign no more than one VMkernel adapter for provisioning traffic" (vSphere 6.7, "Network Traffic for Cold Migration"). Which one NFC uses is then not defined.',
        flows: [],
        evidence: vmks.map((v) => inventoryEvidence(`${v.label}: ${v.vmk.ip}, ${v.vmk.netstack}`)),
      }));
  },
};

const DEDICATED: Record<string, VmkService> = { vmotion: 'vmotion', vSphereProvisioning: 'vSphereProvisioning' };

/** configuration.service-netstack: services a vmk's netstack cannot carry, or that another stack took over. */
export const serviceNetstackRule: Rule = {
  id: 'configuration.service-netstack',
  category: 'configuration',
  check(ctx) {
    if (ctx.inferred) return [];
    const out: Verdict[] = [];
    for (const v of ctx.index.vmks) {
      const only = DEDICATED[v.vmk.netstack];
      if (only !== undefined) {
        const foreign = v.vmk.services.filter((s) => s !== only);
        if (foreign.length > 0) {
          out.push({
            status: 'fail',
            title: `${v.label}: ${foreign.join(', ')} on the ${v.vmk.netstack} netstack`,
            detail: `A vmk on the ${v.vmk.netstack} stack carries only ${only}; other services can be set only on default-stack vmks (vSphere 8 "Place vMotion traffic on the vMotion TCP/IP stack"; 6.x provisioning stack).`,
            flows: [],
            evidence: [inventoryEvidence(`${v.label}: netstack ${v.vmk.netstack}, services ${v.vmk.services.join(', ')}`)],
          });
        }
      }
      for (const s of v.deactivated) {
        const stack = s === 'vmotion' ? 'vmotion' : 'vSphereProvisioning';
        const owner = ctx.index.vmksOf(v.host).filter((o) => o.vmk.netstack === stack).map((o) => o.label);
        out.push({
          status: 'warn',
          title: `${v.label}: ${s} is tagged but deactivated (${owner.join(', ')} is on the ${stack} netstack)`,
          detail: `Once a vmk exists on the ${stack} stack, that stack is the only one used for ${s} and default-stack vmks are deactivated for it (vSphere 8 docs). The tag on ${v.label} has no effect.`,
          flows: [],
          evidence: [inventoryEvidence(`${v.label}: ${v.vmk.netstack}, tagged ${v.vmk.services.join(', ')}`)],
        });
      }
    }
    return out;
  },
};

/** configuration.duplicate-ip: one address on two vmks. */
export const duplicateIpRule: Rule = {
  id: 'configuration.duplicate-ip',
  category: 'configuration',
  check(ctx) {
    if (ctx.inferred) return [];
    const byIp = new Map<string, string[]>();
    for (const v of ctx.index.vmks) {
      const ip = formatIp(v.prefix);
      byIp.set(ip, [...(byIp.get(ip) ?? []), v.label]);
    }
    return [...byIp]
      .filter(([, vmks]) => vmks.length > 1)
      .map(([ip, vmks]) => ({
        status: 'fail' as const,
        title: `${ip} is configured on ${vmks.join(' and ')}`,
        detail: 'Two vmks with one address: traffic to it reaches whichever answers ARP first, and vmkscope cannot tell which vmk a packet used.',
        flows: [],
        evidence: vmks.map((v) => inventoryEvidence(`${v}: ${ip}`)),
      }));
  },
};

/** configuration.vmotion-without-peer: a vMotion vmk no other host's vMotion vmk can reach on-link. */
export const vmotionPeerRule: Rule = {
  id: 'configuration.vmotion-without-peer',
  category: 'configuration',
  check(ctx) {
    if (ctx.inferred || ctx.index.inventory.hosts.length < 2) return [];
    const vmotion = ctx.index.vmks.filter((v) => v.services.has('vmotion'));
    return vmotion
      .filter((v) => v.vmk.gateway === null && !vmotion.some((o) => o.host !== v.host && sameSubnet(v, o)))
      .map((v) => ({
        status: 'warn' as const,
        title: `${v.label}: no vMotion vmk of another host in ${v.vmk.ip}`,
        detail: `No other host has a vMotion vmk in ${v.label}'s subnet and ${v.label} has no gateway: vMotion to or from ${v.host.name} cannot use it ("The vMotion interface is not configured (or is misconfigured) on the destination host").`,
        flows: [],
        evidence: [inventoryEvidence(`${v.label}: ${v.vmk.ip}, ${v.vmk.netstack}`)],
      }));
  },
};

/** configuration.inventory-inferred: what was inferred without an inventory. */
export const inferredInventoryRule: Rule = {
  id: 'configuration.inventory-inferred',
  category: 'configuration',
  check(ctx) {
    if (!ctx.inferred) return [];
    const inv = ctx.index.inventory;
    const vmks = inv.hosts.flatMap((h) => h.vmks.map((v) => `${h.name}: ${v.device.replace('?', '')} (${v.services.join(', ') || 'NFC peer'})`));
    return [
      {
        status: 'info',
        title: `No inventory given: ${inv.hosts.length} ESXi address(es)${inv.vcenters.length > 0 ? ` and ${inv.vcenters.length} vCenter` : ''} inferred from the capture`,
        detail: 'TCP 8000 endpoints were taken for vMotion-capable vmks, UDP 902 heartbeat senders for management vmks and their destination for vCenter. Which addresses belong to one host, the vmks\' services, MACs and subnets are unknown: the hot-path, cold-path and UDT verdicts, and gateway verdicts beyond TTL, need --inventory.',
        flows: [],
        evidence: [...vmks, ...inv.vcenters.map((v) => v.name)].map((t) => inventoryEvidence(t)),
      },
    ];
  },
};
