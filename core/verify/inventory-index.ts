import type { Inventory, InventoryGateway, InventoryHost, InventoryVcenter, InventoryVmk, VmkService } from '../contract/inventory.js';
import { inPrefix, normalizeMac, parseCidr, parseIp, sameAddress, type IpAddress, type IpPrefix } from '../net/ip.js';

/** A vmk with what the rules need to know about it, resolved once. */
export interface IndexedVmk {
  host: InventoryHost;
  vmk: InventoryVmk;
  /** `esx01.example.net/vmk1`, as findings name it. */
  label: string;
  prefix: IpPrefix;
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
        vmks.push({ host, vmk, label: `${host.name}/${vmk.device}`, prefix, services, deactivated });
      }
      this.byHost.set(host, vmks);
      this.vmks.push(...vmks);
    }
  }

  vmksOf(host: InventoryHost): IndexedVmk[] {
    return this.byHost.get(host) ?? [];
  }

  /** The vmk owning an address (primary or other addresses). */
  vmkByIp(ip: IpAddress): IndexedVmk | null {
    for (const v of this.vmks) {
      if (sameAddress(v.prefix, ip)) return v;
      for (const other of v.vmk.otherIps) {
        const p = parseCidr(other);
        if (p && sameAddress(p, ip)) return v;
      }
    }
    return null;
  }

  vmkByMac(mac: string): IndexedVmk | null {
    return this.vmks.find((v) => v.vmk.mac !== null && normalizeMac(v.vmk.mac) === mac) ?? null;
  }

  vcenterByIp(ip: IpAddress): InventoryVcenter | null {
    return this.inventory.vcenters.find((v) => sameIp(v.ip, ip)) ?? null;
  }

  gatewayByMac(mac: string): InventoryGateway | null {
    return this.inventory.gateways.find((g) => g.macs.some((m) => normalizeMac(m) === mac)) ?? null;
  }

  gatewayByIp(ip: IpAddress): InventoryGateway | null {
    return this.inventory.gateways.find((g) => g.ips.some((a) => sameIp(a, ip))) ?? null;
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

function sameIp(text: string, ip: IpAddress): boolean {
  const parsed = parseIp(text.split('/')[0]);
  return parsed !== null && sameAddress(parsed, ip);
}

/** Whether two vmks share a subnet, judged from both prefixes. */
export function sameSubnet(a: IndexedVmk, b: IndexedVmk): boolean {
  return inPrefix(b.prefix, a.prefix) && inPrefix(a.prefix, b.prefix);
}
