import type { FlowClass } from '../contract/report.js';

/**
 * Service ports that matter for telling vSphere traffic apart (vsphere-traffic.md section 2,
 * from the ESXi firewall tables of the vSphere Security guides). The port table is also what
 * decides which end of a flow is the server when no SYN was captured.
 */
export const TCP_SERVICE_PORTS: ReadonlyMap<number, FlowClass> = new Map<number, FlowClass>([
  [8000, 'vmotion'], // vMotion protocol; also UDT data in vSphere 8
  [902, 'nfc'], // NFC / vmauthd; UDT control in vSphere 8
  [443, 'management'], // hostd reverse proxy, vpxd
  [80, 'management'],
  [22, 'management'],
  [427, 'management'], // CIM SLP
  [5988, 'management'], // CIM
  [5989, 'management'],
  [8080, 'vsan'], // vsanvp (vSAN VASA provider), not generic management
  [2233, 'vsan'], // vSAN transport (RDT)
  [8010, 'vsan'], // vSAN observer
  [2049, 'nfs'],
  [111, 'nfs'], // rpcbind for NFSv3
  [3260, 'iscsi'],
  [4420, 'nvme-tcp'],
  [8009, 'nvme-tcp'], // NVMe/TCP discovery controller
  [8100, 'ft'],
  [8200, 'ft'],
  [8300, 'ft'],
  [8182, 'ha'], // vSphere HA agent (FDM)
  [31031, 'replication'], // vSphere Replication (HBR), unencrypted
  [44046, 'replication'],
]);

export const UDP_SERVICE_PORTS: ReadonlyMap<number, FlowClass> = new Map<number, FlowClass>([
  [902, 'heartbeat'], // vpxa -> vCenter status heartbeat
  [8182, 'ha'],
  [12321, 'vsan'], // vSAN unicast agent
  [12345, 'vsan'], // CMMDS
  [23451, 'vsan'],
  [8100, 'ft'],
  [8200, 'ft'],
  [8300, 'ft'],
  [8301, 'ft'], // DVSSync
  [8302, 'ft'],
  [2049, 'nfs'],
  [111, 'nfs'],
  [427, 'management'],
  [53, 'other'],
  [123, 'other'],
]);

export function servicePorts(protocol: 'tcp' | 'udp'): ReadonlyMap<number, FlowClass> {
  return protocol === 'tcp' ? TCP_SERVICE_PORTS : UDP_SERVICE_PORTS;
}

/** The class a port table alone gives a flow, from its server port. */
export function classByPort(protocol: 'tcp' | 'udp', serverPort: number): FlowClass {
  return servicePorts(protocol).get(serverPort) ?? 'other';
}
