import type { FlowClass, FlowRecord } from '../contract/report.js';
import { parseIp } from '../net/ip.js';
import { InventoryIndex, type IndexedVmk } from './inventory-index.js';

/** What an endpoint of a flow is, by the inventory. */
export type EndpointRole =
  | { kind: 'vmk'; vmk: IndexedVmk }
  | { kind: 'vcenter'; name: string }
  | { kind: 'gateway'; name: string }
  | { kind: 'unknown' };

/** A flow with its ends resolved; the rules work on these. */
export interface AttributedFlow {
  record: FlowRecord;
  client: EndpointRole;
  server: EndpointRole;
  /** Start and end as epoch seconds (for overlap tests). */
  start: number;
  end: number;
}

let lastWhole = '';
let lastBase = NaN;

export function epochSeconds(iso: string): number {
  // isoTime's shape: YYYY-MM-DDTHH:MM:SS[.fraction]Z. Flows share seconds: parse each once.
  const whole = iso.slice(0, 19);
  if (whole !== lastWhole) {
    lastWhole = whole;
    lastBase = Date.parse(`${whole}Z`) / 1000;
  }
  return iso.length > 20 ? lastBase + Number(`0${iso.slice(19, -1)}`) : lastBase;
}

const ROLE_CACHE = 65536;

function role(index: InventoryIndex, ip: string): EndpointRole {
  const addr = parseIp(ip);
  if (!addr) return { kind: 'unknown' };
  const vmk = index.vmkByIp(addr);
  if (vmk) return { kind: 'vmk', vmk };
  const vc = index.vcenterByIp(addr);
  if (vc) return { kind: 'vcenter', name: vc.name };
  const gw = index.gatewayByIp(addr);
  if (gw) return { kind: 'gateway', name: gw.name };
  return { kind: 'unknown' };
}

/** Host and vmk of each end, filled into the contract's endpoint fields. */
export function attribute(index: InventoryIndex, flows: FlowRecord[], roles = new Map<string, EndpointRole>()): AttributedFlow[] {
  // Flows share endpoints: each address is resolved once (`roles` may outlive one call). Millions
  // of one-flow clients would fill it, so it starts over past ROLE_CACHE entries.
  const roleOf = (ip: string): EndpointRole => {
    let r = roles.get(ip);
    if (r === undefined) {
      if (roles.size >= ROLE_CACHE) roles.clear();
      roles.set(ip, (r = role(index, ip)));
    }
    return r;
  };
  return flows.map((record) => {
    const client = roleOf(record.client.ip);
    const server = roleOf(record.server.ip);
    for (const [end, r] of [
      [record.client, client],
      [record.server, server],
    ] as const) {
      if (r.kind === 'vmk') {
        end.host = r.vmk.host.name;
        end.vmk = r.vmk.vmk.device;
      } else if (r.kind === 'vcenter' || r.kind === 'gateway') {
        end.host = r.name;
      }
    }
    return { record, client, server, start: epochSeconds(record.start), end: epochSeconds(record.end) };
  });
}

export function isHostToHost(f: AttributedFlow): boolean {
  return f.client.kind === 'vmk' && f.server.kind === 'vmk' && f.client.vmk.host !== f.server.vmk.host;
}

/** Flows overlap in time (with `slack` seconds of tolerance). */
export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }, slack = 0): boolean {
  return a.start <= b.end + slack && b.start <= a.end + slack;
}

/** Seconds after a vMotion within which the destination's RARP marks a hot switch-over. */
const RARP_WINDOW_SECONDS = 5;

/**
 * Refine each flow's class from the port table's guess with the endpoints' roles:
 * - TCP 902 between two hosts' vmks is host-to-host NFC; from vCenter it is management traffic
 *   (uploads, OVF deploys, the datastore browser); to a vSphereReplicationNFC vmk replication;
 *   to a vSphereBackupNFC vmk backup (class `other`). [INF from vsphere-traffic.md 7.5]
 * - UDT (vSphere 8): TCP 8000 between two hosts of ESXi 8.0+, on vmks with provisioning enabled,
 *   while a host-to-host 902 session between the same hosts runs, and no RARP afterwards (a hot
 *   vMotion ends with the destination announcing the VM's MAC). The 902 flows are then UDT control.
 *   [INF from the core.vmware.com UDT article]
 * Each flow gets `classBasis`, the reason in words.
 */
export function classify(flows: AttributedFlow[], rarpTimes: number[]): void {
  const h2h902 = flows.filter((f) => f.record.protocol === 'tcp' && f.record.server.port === 902 && isHostToHost(f));
  for (const f of flows) {
    const r = f.record;
    const c = f.client;
    const s = f.server;
    if (r.protocol === 'udp' && r.server.port === 902) {
      setClass(f, 'heartbeat', 'UDP 902: vpxa status heartbeat to vCenter');
      continue;
    }
    if (r.protocol !== 'tcp') continue;
    if (r.server.port === 902) {
      if (isHostToHost(f)) setClass(f, 'nfc', `TCP 902 between ${clientLabel(f)} and ${serverLabel(f)}: host-to-host NFC`);
      else if (c.kind === 'vcenter') setClass(f, 'management', `TCP 902 from ${clientLabel(f)}: vCenter NFC (uploads, deploys, datastore browser), not a migration`);
      else if (s.kind === 'vmk' && s.vmk.services.has('vSphereReplicationNFC')) setClass(f, 'replication', `TCP 902 to ${serverLabel(f)}, a vSphereReplicationNFC vmk: replication NFC`);
      else if (s.kind === 'vmk' && s.vmk.services.has('vSphereBackupNFC')) setClass(f, 'other', `TCP 902 to ${serverLabel(f)}, a vSphereBackupNFC vmk: backup NFC (NBD)`);
      else setClass(f, 'nfc', `TCP 902 between ${clientLabel(f)} and ${serverLabel(f)}: NFC; not both ends are known ESXi vmks`);
      continue;
    }
    if (r.server.port === 8000) {
      if (isHostToHost(f) && c.kind === 'vmk' && s.kind === 'vmk' && udt(f, c.vmk, s.vmk, h2h902, rarpTimes)) {
        setClass(f, 'udt-data', `TCP 8000 between ${clientLabel(f)} and ${serverLabel(f)} (ESXi 8.0+, provisioning enabled) while NFC runs between the hosts: UDT data`);
      } else {
        setClass(f, 'vmotion', `TCP 8000 between ${clientLabel(f)} and ${serverLabel(f)}: vMotion protocol`);
      }
    }
  }
  // The NFC sessions running beside UDT data are its control channel.
  for (const nfc of h2h902) {
    const data = flows.some((d) => d.record.class === 'udt-data' && sameHosts(d, nfc) && overlaps(d, nfc, 1));
    if (data) setClass(nfc, 'udt-control', `TCP 902 between ${clientLabel(nfc)} and ${serverLabel(nfc)} beside UDT data on TCP 8000: UDT control`);
  }
}

function udt(f: AttributedFlow, c: IndexedVmk, s: IndexedVmk, h2h902: AttributedFlow[], rarpTimes: number[]): boolean {
  const eight = (v: IndexedVmk): boolean => (InventoryIndex.majorMinor(v.host) ?? 0) >= 8;
  if (!eight(c) || !eight(s)) return false;
  if (!c.services.has('vSphereProvisioning') || !s.services.has('vSphereProvisioning')) return false;
  if (!h2h902.some((n) => sameHosts(n, f) && overlaps(n, f, 1))) return false;
  return !rarpTimes.some((t) => t >= f.end && t - f.end <= RARP_WINDOW_SECONDS);
}

export function sameHosts(a: AttributedFlow, b: AttributedFlow): boolean {
  if (a.client.kind !== 'vmk' || a.server.kind !== 'vmk' || b.client.kind !== 'vmk' || b.server.kind !== 'vmk') return false;
  const ha = [a.client.vmk.host, a.server.vmk.host];
  return ha.includes(b.client.vmk.host) && ha.includes(b.server.vmk.host);
}

function setClass(f: AttributedFlow, cls: FlowClass, basis: string): void {
  f.record.class = cls;
  f.record.classBasis = basis;
}

/** How findings name an end: `esx01/vmk1 (198.18.20.11)`, `vCenter vc01 (198.18.11.5)`, `198.18.9.9 (in no inventory)`. */
export function label(r: EndpointRole, ip: string): string {
  switch (r.kind) {
    case 'vmk':
      return `${r.vmk.label} (${ip})`;
    case 'vcenter':
      return `vCenter ${r.name} (${ip})`;
    case 'gateway':
      return `gateway ${r.name} (${ip})`;
    default:
      return `${ip} (in no inventory)`;
  }
}

export function clientLabel(f: AttributedFlow): string {
  return label(f.client, f.record.client.ip);
}

export function serverLabel(f: AttributedFlow): string {
  return label(f.server, f.record.server.ip);
}
