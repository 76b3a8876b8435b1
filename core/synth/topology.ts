import type { Inventory, VmkService } from '../contract/inventory.js';

/**
 * The synthetic site the generator plays: ESXi hosts with management, vMotion, provisioning,
 * vSAN and NFS vmkernel adapters on their own VLANs, a vCenter and an NFS filer behind a
 * gateway. Addresses are in 198.18.0.0/15 (RFC 2544 benchmarking space). The same description
 * is exported as a vmkscope inventory so analyses of generated captures can be verified.
 */

export type VmkRole = 'management' | 'vmotion' | 'provisioning' | 'vsan' | 'nfs';

export interface SynthVmk {
  device: string;
  role: VmkRole;
  ip: number[];
  prefix: number;
  mac: number[];
  vlan: number;
  mtu: number;
  netstack: 'defaultTcpipStack' | 'vmotion' | 'vSphereProvisioning';
}

export interface SynthHost {
  name: string;
  version: string;
  vmks: SynthVmk[];
}

export interface SynthNetwork {
  role: VmkRole;
  vlan: number;
  /** Third octet of 198.18.X.0/24. */
  subnet: number;
  mtu: number;
}

export const NETWORKS: readonly SynthNetwork[] = [
  { role: 'management', vlan: 10, subnet: 10, mtu: 1500 },
  { role: 'vmotion', vlan: 20, subnet: 20, mtu: 9000 },
  { role: 'provisioning', vlan: 30, subnet: 30, mtu: 1500 },
  { role: 'vsan', vlan: 40, subnet: 40, mtu: 9000 },
  { role: 'nfs', vlan: 50, subnet: 50, mtu: 9000 },
];

/** The management gateway (a firewall appliance); vCenter sits behind it on 198.18.11.0/24. */
export const GATEWAY = { name: 'edge-fw', ip: [198, 18, 10, 1], mac: [0x00, 0x50, 0x56, 0xaa, 0x00, 0x01] } as const;
export const VCENTER = { name: 'vc01.lab.example', ip: [198, 18, 11, 5], mac: [0x00, 0x50, 0x56, 0xaa, 0x0b, 0x05] };
export const NFS_SERVER = { name: 'filer01.lab.example', ip: [198, 18, 50, 100], mac: [0x00, 0xa0, 0x98, 0x12, 0x34, 0x56] };
/** Where ERSPAN copies are sent: a collector on the management network. */
export const COLLECTOR = { ip: [198, 18, 10, 250], mac: [0x00, 0x50, 0x56, 0xaa, 0x0a, 0xfa] };

/** At least two hosts: a migration needs a source and a destination. */
export function buildHosts(count: number): SynthHost[] {
  const hosts: SynthHost[] = [];
  for (let h = 1; h <= Math.max(2, count); h++) {
    const vmks = NETWORKS.map((net, i): SynthVmk => ({
      device: `vmk${i}`,
      role: net.role,
      ip: [198, 18, net.subnet, 10 + h],
      prefix: 24,
      // vmk0 takes the first physical NIC's MAC; the others get VMware OUI addresses.
      mac: i === 0 ? [0x3c, 0xec, 0xef, 0x10, h, 0x00] : [0x00, 0x50, 0x56, 0x60 + i, h, 0x10 + i],
      vlan: net.vlan,
      mtu: net.mtu,
      netstack: net.role === 'vmotion' ? 'vmotion' : 'defaultTcpipStack',
    }));
    hosts.push({ name: `esx${String(h).padStart(2, '0')}.lab.example`, version: '8.0.2', vmks });
  }
  return hosts;
}

export function vmkOf(host: SynthHost, role: VmkRole): SynthVmk {
  return host.vmks.find((v) => v.role === role)!;
}

function dotted(ip: readonly number[]): string {
  return ip.join('.');
}

function macText(mac: readonly number[]): string {
  return mac.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const SERVICES: Record<VmkRole, VmkService[]> = {
  management: ['management'],
  vmotion: ['vmotion'],
  provisioning: ['vSphereProvisioning'],
  vsan: ['vsan'],
  nfs: [],
};

/** The site as a vmkscope inventory: what an admin would import for these hosts. */
export function siteInventory(hosts: SynthHost[]): Inventory {
  return {
    hosts: hosts.map((h) => ({
      name: h.name,
      version: h.version,
      vmks: h.vmks.map((v) => ({
        device: v.device,
        ip: `${dotted(v.ip)}/${v.prefix}`,
        otherIps: [],
        mac: macText(v.mac),
        vlan: v.vlan,
        netstack: v.netstack,
        gateway: v.role === 'management' ? dotted(GATEWAY.ip) : null,
        services: SERVICES[v.role],
        mtu: v.mtu,
        portgroup: null,
      })),
    })),
    vcenters: [{ name: VCENTER.name, ip: dotted(VCENTER.ip) }],
    gateways: [{ name: GATEWAY.name, ips: [dotted(GATEWAY.ip), '198.18.11.1'], macs: [macText(GATEWAY.mac)] }],
    sources: ['vmkscope generate'],
    inferred: false,
  };
}
