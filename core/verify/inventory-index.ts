import type { Inventory, InventoryGateway, InventoryHost, InventoryVcenter, InventoryVmk, VmkService } from '../contract/inventory.js';
import { formatIp, inPrefix, normalizeMac, parseCidr, parseIp, type IpAddress, type IpPrefix } from '../net/ip.js';

/** A vmk with what the rules need to know about it, resolved once. */
export interface IndexedVmk {
  host: InventoryHost;
  vmk: InventoryVmk;
  /** `esx01.example.net/vmk1`, as findings name it. */
  label: string;
  prefix: IpPrefix;
  /** Its MAC, lower-case colon-separated, or null when the inventory has none. */
  mac: string | null;
  /** Services the vmk really carries: tags plus what its netstack implies, minus what another stack took over. */
  services: Set<VmkService>;
  /** Services configured on it but deactivated because a dedicated netstack exists on the host. */
  deactivated: Set<VmkService>;
}

/**
 * The inventory as lookups: address -> vmk, MAC -> vmk or gateway, host -> its provisioning and
 * management vmks. Netstack rules (vsphere-traffic.md 3.2) are applied here once: a vmk on the
 * `vmotion` stack carries vMotion, one on `vSphereProvisioning` carries provisioning, and once such
 * a vmk exists, default-stack vmks lose that service.
 */
export class InventoryIndex {
  readonly vmks: IndexedVmk[] = [];
  private readonly byHost = new Map<InventoryHost, IndexedVmk[]>();
  // Keyed by canonical text (formatIp, normalizeMac), built once: a capture has far more flows
  // than the inventory has entries. Where two entries claim a key, the first in the file wins.
  private readonly vmkAt = new Map<string, IndexedVmk>();
  private readonly vmkWithMac = new Map<string, IndexedVmk>();
  private readonly vcenterAt = new Map<string, InventoryVcenter>();
  private readonly gatewayAt = new Map<string, InventoryGateway>();
  private readonly gatewayWithMac = new Map<string, InventoryGateway>();

  constructor(readonly inventory: Inventory) {
    for (const host of inventory.hosts) {
      const vmks: IndexedVmk[] = [];
      const stacks = new Set(host.vmks.map((v) => v.netstack));
      for (const vmk of host.vmks) {
        const prefix = parseCidr(vmk.ip);
        if (!prefix) continue;
        const services = new Set<VmkService>(vmk.services);
        const deactivated = new Set<VmkService>();
        if (vmk.netstack === 'vmotion') services.add('vmotion');
        if (vmk.netstack === 'vSphereProvisioning') services.add('vSphereProvisioning');
        if (vmk.netstack !== 'vmotion' && stacks.has('vmotion') && services.delete('vmotion')) deactivated.add('vmotion');
        if (vmk.netstack !== 'vSphereProvisioning' && stacks.has('vSphereProvisioning') && services.delete('vSphereProvisioning')) deactivated.add('vSphereProvisioning');
        vmks.push({ host, vmk, label: `${host.name}/${vmk.device}`, prefix, mac: vmk.mac === null ? null : normalizeMac(vmk.mac), services, deactivated });
      }
      this.byHost.set(host, vmks);
      this.vmks.push(...vmks);
    }
    // Primary addresses before other addresses, as a lookup by address always preferred them.
    for (const v of this.vmks) claim(this.vmkAt, formatIp(v.prefix), v);
    for (const v of this.vmks) for (const other of v.vmk.otherIps) claim(this.vmkAt, canonicalIp(other), v);
    for (const v of this.vmks) claim(this.vmkWithMac, v.mac, v);
    for (const vc of inventory.vcenters) claim(this.vcenterAt, canonicalIp(vc.ip), vc);
    for (const g of inventory.gateways) {
      for (const a of g.ips) claim(this.gatewayAt, canonicalIp(a), g);
      for (const m of g.macs) claim(this.gatewayWithMac, normalizeMac(m), g);
    }
  }

  vmksOf(host: InventoryHost): IndexedVmk[] {
    return this.byHost.get(host) ?? [];
  }

  /** The vmk owning an address (primary or other addresses). */
  vmkByIp(ip: IpAddress): IndexedVmk | null {
    return this.vmkAt.get(formatIp(ip)) ?? null;
  }

  /** The vmk with a MAC (lower-case colon-separated, as flows record it). */
  vmkByMac(mac: string): IndexedVmk | null {
    return this.vmkWithMac.get(mac) ?? null;
  }

  vcenterByIp(ip: IpAddress): InventoryVcenter | null {
    return this.vcenterAt.get(formatIp(ip)) ?? null;
  }

  gatewayByMac(mac: string): InventoryGateway | null {
    return this.gatewayWithMac.get(mac) ?? null;
  }

  gatewayByIp(ip: IpAddress): InventoryGateway | null {
    return this.gatewayAt.get(formatIp(ip)) ?? null;
  }

  /** The host's vmks carrying a service. */
  withService(host: InventoryHost, service: VmkService): IndexedVmk[] {
    return this.vmksOf(host).filter((v) => v.services.has(service));
  }

  /** Where a host's cold data should go: its provisioning vmk, else its management vmk (KB 340170). */
  coldDataVmks(host: InventoryHost): { provisioning: boolean; vmks: IndexedVmk[] } {
    const provisioning = this.withService(host, 'vSphereProvisioning');
    if (provisioning.length > 0) return { provisioning: true, vmks: provisioning };
    return { provisioning: false, vmks: this.managementVmks(host) };
  }

  /** The management vmk(s): tagged management, else vmk0 (where ESXi puts management by default). */
  managementVmks(host: InventoryHost): IndexedVmk[] {
    const tagged = this.withService(host, 'management');
    if (tagged.length > 0) return tagged;
    return this.vmksOf(host).filter((v) => v.vmk.device === 'vmk0');
  }

  /** The ESXi major.minor version of a host, or null when unknown. */
  static majorMinor(host: InventoryHost): number | null {
    const m = /^(\d+)\.(\d+)/.exec(host.version ?? '');
    return m ? Number(m[1]) + Number(m[2]) / 100 : null;
  }
}

/** An inventory address (with or without a /prefix) as formatIp writes it, or null if it is not one. */
function canonicalIp(text: string): string | null {
  const parsed = parseIp(text.split('/')[0]);
  return parsed === null ? null : formatIp(parsed);
}

function claim<V>(map: Map<string, V>, key: string | null, value: V): void {
  if (key !== null && !map.has(key)) map.set(key, value);
}

/** Whether two vmks share a subnet, judged from both prefixes. */
export function sameSubnet(a: IndexedVmk, b: IndexedVmk): boolean {
  return inPrefix(b.prefix, a.prefix) && inPrefix(a.prefix, b.prefix);
}
