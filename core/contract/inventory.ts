/**
 * The description of the hosts' vmkernel adapters that verdicts rest on (report contract,
 * "Canonical inventory"). Importers turn esxcli, esxcfg-vmknic, govc and PowerCLI output into
 * this; the canonical YAML/JSON form is read and written as is.
 */

/** vSphere API nicType names (HostVirtualNicManagerNicType), matched case-insensitively on input. */
export const VMK_SERVICES = [
  'management',
  'vmotion',
  'vSphereProvisioning',
  'faultToleranceLogging',
  'vsan',
  'vsanWitness',
  'vSphereReplication',
  'vSphereReplicationNFC',
  'vSphereBackupNFC',
  'nvmeTcp',
  'nvmeRdma',
  'ptp',
] as const;
export type VmkService = (typeof VMK_SERVICES)[number];

/** System TCP/IP stacks (HostNetStackInstanceSystemStackKey); custom stacks keep their own names. */
export const SYSTEM_NETSTACKS = ['defaultTcpipStack', 'vmotion', 'vSphereProvisioning', 'mirror', 'ops'] as const;

export interface InventoryVmk {
  device: string;
  /** Primary address with its prefix, CIDR (IPv4 or IPv6). */
  ip: string;
  /** Further addresses of the vmk (IPv6 next to IPv4, aliases), CIDR. */
  otherIps: string[];
  mac: string | null;
  vlan: number | null;
  netstack: string;
  /** The netstack's default gateway as seen from this vmk. */
  gateway: string | null;
  services: VmkService[];
  mtu: number | null;
  portgroup: string | null;
}

export interface InventoryHost {
  name: string;
  /** ESXi version (8.0.2); UDT rules apply from 8.0. */
  version: string | null;
  vmks: InventoryVmk[];
}

export interface InventoryVcenter {
  name: string;
  ip: string;
}

/** A router or firewall whose traversal matters. */
export interface InventoryGateway {
  name: string;
  ips: string[];
  macs: string[];
}

export interface Inventory {
  hosts: InventoryHost[];
  vcenters: InventoryVcenter[];
  gateways: InventoryGateway[];
  /** Where it came from: the files read (canonical or imported), or `inferred from the capture`. */
  sources: string[];
  /** True when vmkscope inferred it from the capture because none was given. */
  inferred: boolean;
}

/** A problem in an inventory file, with the line (1-based) it is on when known. */
export interface InventoryProblem {
  file: string;
  line: number | null;
  message: string;
}
