/**
 * Canonical YAML, in the shape and key order of the report contract, with nothing that is not
 * known: null and empty optional fields are left out (services stay, `[]` says "none").
 */
import { Document, isSeq, visit } from 'yaml';
import type { Inventory, InventoryVmk } from '../contract/inventory.js';

/** Lists written on one line, as the contract writes them. */
const FLOW_LISTS = new Set(['services', 'otherIps', 'ips', 'macs']);

function vmkEntry(v: InventoryVmk): Record<string, unknown> {
  const entry: Record<string, unknown> = { device: v.device, ip: v.ip };
  if (v.mac !== null) entry.mac = v.mac;
  if (v.vlan !== null) entry.vlan = v.vlan;
  entry.netstack = v.netstack;
  if (v.gateway !== null) entry.gateway = v.gateway;
  entry.services = [...v.services];
  // Additions to the contract's shape, after its keys.
  if (v.otherIps.length > 0) entry.otherIps = [...v.otherIps];
  if (v.mtu !== null) entry.mtu = v.mtu;
  if (v.portgroup !== null) entry.portgroup = v.portgroup;
  return entry;
}

export function inventoryToYaml(inv: Inventory): string {
  const content: Record<string, unknown> = {
    hosts: inv.hosts.map((h) => ({ name: h.name, ...(h.version === null ? {} : { version: h.version }), vmks: h.vmks.map(vmkEntry) })),
  };
  if (inv.vcenters.length > 0) content.vcenters = inv.vcenters.map((v) => ({ name: v.name, ip: v.ip }));
  if (inv.gateways.length > 0) {
    content.gateways = inv.gateways.map((g) => ({ name: g.name, ...(g.ips.length > 0 ? { ips: [...g.ips] } : {}), ...(g.macs.length > 0 ? { macs: [...g.macs] } : {}) }));
  }
  const doc = new Document(content);
  visit(doc, {
    Pair(_, pair) {
      if (isSeq(pair.value) && FLOW_LISTS.has(String((pair.key as { value?: unknown }).value))) pair.value.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
