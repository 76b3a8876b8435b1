import type { CaptureRecord, DirectionRecord } from '../contract/report.js';
import { normalizeMac, parseIp } from '../net/ip.js';
import { clientLabel, serverLabel, type AttributedFlow, type EndpointRole } from './attribute.js';
import { sameSubnet, type InventoryIndex } from './inventory-index.js';

/** ESXi's vmkernel sends IPv4 with TTL 64 (VCF 9.0 vmkping sample: ttl=64). */
export const ESXI_INITIAL_TTL = 64;

/** One observation about the path of a flow, with the frames that show it. */
export interface PathEvidence {
  kind: 'mac-peer' | 'mac-sender' | 'mac-gateway' | 'mac-other' | 'ttl' | 'subnet' | 'vlan';
  text: string;
  frames: number[];
  capture: number;
  /** What it says about routing: true routed, false not routed, null neither. */
  routed: boolean | null;
  /** The gateway it names (mac-gateway evidence). */
  gateway?: string;
}

export interface PathVerdict {
  /** true: crossed a router; false: L2 adjacency shown by MACs and nothing says routed; null: undecided. */
  routed: boolean | null;
  gateway: string | null;
  evidence: PathEvidence[];
}

/** What the capture's ARP says: IPv4 address -> the MACs that answered for it. */
export type ArpTable = Map<string, string[]>;

export function arpTable(capture: CaptureRecord): ArpTable {
  return new Map(capture.arp.map((a) => [a.ip, a.macs]));
}

interface EndView {
  role: EndpointRole;
  ip: string;
  label: string;
  mac: string | null;
  /** MACs of the routers this end would hand off-link traffic to. */
  gatewayMacs: Map<string, string>;
}

/**
 * The path of one flow: per direction, the MAC pairs against the vmks' and gateways' MACs
 * (from the inventory, or learned from ARP in the same capture), the TTL against ESXi's 64, the
 * subnets of the two vmks and the VLANs seen. (vsphere-traffic.md section 9: none of these proves
 * the path alone; together, with the capture point, they do.)
 */
export function pathOf(f: AttributedFlow, index: InventoryIndex, arp: ArpTable, frame: (n: number) => string, inferred: boolean): PathVerdict {
  const r = f.record;
  const capture = r.capture;
  const client = endView(f.client, r.client.ip, clientLabel(f), index, arp);
  const server = endView(f.server, r.server.ip, serverLabel(f), index, arp);
  const evidence: PathEvidence[] = [];
  const directions: [DirectionRecord, EndView, EndView][] = [
    [r.directions.clientToServer, client, server],
    [r.directions.serverToClient, server, client],
  ];
  for (const [d, from, to] of directions) {
    if (d.packets === 0) continue;
    for (const pair of d.macs) {
      const at = frame(pair.firstFrame);
      const count = `${pair.packets} frame${pair.packets === 1 ? '' : 's'}`;
      if (pair.dst !== null) {
        const gw = from.gatewayMacs.get(pair.dst) ?? index.gatewayByMac(pair.dst)?.name ?? null;
        if (to.mac !== null && pair.dst === to.mac) {
          evidence.push({ kind: 'mac-peer', routed: false, capture, frames: [pair.firstFrame], text: `${from.label} → ${to.label}: ${count} (first ${at}) addressed to ${pair.dst}, ${to.label}'s own MAC: delivered on one L2 segment` });
        } else if (gw !== null) {
          evidence.push({ kind: 'mac-gateway', routed: true, gateway: gw, capture, frames: [pair.firstFrame], text: `${from.label} → ${to.label}: ${count} (first ${at}) addressed to ${pair.dst}, the MAC of gateway ${gw}: routed` });
        } else if (to.mac !== null && from.role.kind === 'vmk') {
          evidence.push({ kind: 'mac-other', routed: true, capture, frames: [pair.firstFrame], text: `${from.label} → ${to.label}: ${count} (first ${at}) addressed to ${pair.dst}, not ${to.label}'s MAC ${to.mac}: the next hop is a router or proxy` });
        }
      }
      const srcGateway = to.gatewayMacs.get(pair.src) ?? index.gatewayByMac(pair.src)?.name ?? null;
      if (from.mac !== null && pair.src === from.mac) {
        evidence.push({ kind: 'mac-sender', routed: false, capture, frames: [pair.firstFrame], text: `${from.label} → ${to.label}: ${count} (first ${at}) carry ${from.label}'s own source MAC ${pair.src}: no router re-sent them before the capture point` });
      } else if (srcGateway !== null) {
        evidence.push({ kind: 'mac-gateway', routed: true, gateway: srcGateway, capture, frames: [pair.firstFrame], text: `${from.label} → ${to.label}: ${count} (first ${at}) arrive from ${pair.src}, the MAC of gateway ${srcGateway}: routed` });
      }
    }
    // TTL only speaks for senders whose initial TTL is known: ESXi vmks.
    if (from.role.kind === 'vmk' && d.ttl !== null) {
      const t = d.ttl;
      if (t.min < ESXI_INITIAL_TTL) {
        evidence.push({ kind: 'ttl', routed: true, capture, frames: [t.minFrame], text: `${from.label} → ${to.label}: TTL ${t.min} in ${frame(t.minFrame)}: ${ESXI_INITIAL_TTL - t.min} router hop(s) since ESXi sent it with ${ESXI_INITIAL_TTL}` });
      } else if (t.max === ESXI_INITIAL_TTL) {
        evidence.push({ kind: 'ttl', routed: false, capture, frames: [t.maxFrame], text: `${from.label} → ${to.label}: TTL ${ESXI_INITIAL_TTL} on every frame (${frame(t.maxFrame)}...): no router decremented it before the capture point` });
      }
    }
    const vmk = from.role.kind === 'vmk' ? from.role.vmk.vmk : null;
    if (vmk !== null && vmk.vlan !== null && (d.vlans.length > 0 || d.untaggedPackets < d.packets)) {
      const seen = d.vlans.join(', ');
      const matches = d.vlans.includes(vmk.vlan);
      evidence.push({ kind: 'vlan', routed: null, capture, frames: d.firstFrame === null ? [] : [d.firstFrame], text: matches ? `${from.label} → ${to.label}: VLAN ${seen}, ${from.label}'s VLAN` : `${from.label} → ${to.label}: VLAN ${seen} seen, but ${from.label} is on VLAN ${vmk.vlan}` });
    }
  }
  // An inferred inventory knows no subnets: no verdict may rest on them.
  if (!inferred && f.client.kind === 'vmk' && f.server.kind === 'vmk') {
    const c = f.client.vmk;
    const s = f.server.vmk;
    const same = sameSubnet(c, s);
    evidence.push({
      kind: 'subnet',
      routed: same ? null : true,
      capture,
      frames: [],
      text: same
        ? `${c.label} (${c.vmk.ip}) and ${s.label} (${s.vmk.ip}) share a subnet: on-link for ESXi`
        : `${c.label} (${c.vmk.ip}) and ${s.label} (${s.vmk.ip}) are in different subnets: only a gateway or a static route joins them`,
    });
  }
  const routedBy = evidence.filter((e) => e.routed === true);
  const adjacent = evidence.some((e) => e.kind === 'mac-peer' || e.kind === 'mac-sender');
  const gateways = new Set(routedBy.flatMap((e) => (e.gateway === undefined ? [] : [e.gateway])));
  return {
    routed: routedBy.length > 0 ? true : adjacent ? false : null,
    gateway: gateways.size > 0 ? [...gateways].join(', ') : null,
    evidence,
  };
}

function endView(role: EndpointRole, ip: string, label: string, index: InventoryIndex, arp: ArpTable): EndView {
  let mac: string | null = null;
  const gatewayMacs = new Map<string, string>();
  if (role.kind === 'vmk') {
    mac = role.vmk.mac;
    const gw = role.vmk.vmk.gateway;
    if (gw !== null) {
      const inv = parseIp(gw);
      const named = inv ? index.gatewayByIp(inv) : null;
      for (const m of named?.macs ?? []) gatewayMacs.set(normalizeMac(m) ?? m, named!.name);
      for (const m of arp.get(gw) ?? []) if (!gatewayMacs.has(m)) gatewayMacs.set(m, named?.name ?? `${gw} (${role.vmk.label}'s gateway, MAC from ARP)`);
    }
  }
  // A MAC the capture's ARP gives for the address itself.
  if (mac === null && (arp.get(ip)?.length ?? 0) === 1) mac = arp.get(ip)![0];
  return { role, ip, label, mac, gatewayMacs };
}
