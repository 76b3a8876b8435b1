import type { Inventory, InventoryHost } from '../contract/inventory.js';
import type { FlowRecord } from '../contract/report.js';

/**
 * Without an inventory, what the capture itself shows (vsphere-traffic.md section 2, classifier
 * consequences): both ends of TCP 8000 are vMotion-capable vmks, a UDP 902 heartbeat sender is a
 * host's management vmk and its destination is vCenter, and a TCP 902 peer of such hosts is an NFC
 * endpoint. Each address becomes a host of its own (which addresses share a host cannot be seen),
 * with a /32 prefix and no MAC, so no verdict rests on subnets or MACs it does not know.
 */
export function inferInventory(flows: FlowRecord[]): Inventory {
  const hosts = new Map<string, InventoryHost>();
  const vcenters = new Map<string, string>();
  const host = (ip: string, device: string, service: 'vmotion' | 'management' | null): void => {
    let h = hosts.get(ip);
    if (!h) {
      h = { name: ip, version: null, vmks: [] };
      hosts.set(ip, h);
    }
    let v = h.vmks[0];
    if (!v) {
      v = { device, ip: `${ip}/${ip.includes(':') ? 128 : 32}`, otherIps: [], mac: null, vlan: null, netstack: 'defaultTcpipStack', gateway: null, services: [], mtu: null, portgroup: null };
      h.vmks.push(v);
    }
    if (service !== null && !v.services.includes(service)) v.services.push(service);
  };
  for (const f of flows) {
    if (f.protocol === 'udp' && f.server.port === 902) {
      host(f.client.ip, 'management?', 'management');
      vcenters.set(f.server.ip, `vCenter at ${f.server.ip} (inferred from heartbeats)`);
    }
  }
  for (const f of flows) {
    if (f.protocol === 'tcp' && f.server.port === 8000) {
      host(f.client.ip, 'vmotion?', 'vmotion');
      host(f.server.ip, 'vmotion?', 'vmotion');
    }
  }
  for (const f of flows) {
    if (f.protocol === 'tcp' && f.server.port === 902 && !vcenters.has(f.client.ip) && (hosts.has(f.client.ip) || hosts.has(f.server.ip))) {
      host(f.client.ip, 'nfc?', null);
      host(f.server.ip, 'nfc?', null);
    }
  }
  for (const ip of vcenters.keys()) hosts.delete(ip);
  return {
    hosts: [...hosts.values()],
    vcenters: [...vcenters].map(([ip, name]) => ({ name, ip })),
    gateways: [],
    sources: ['inferred from the capture'],
    inferred: true,
  };
}
