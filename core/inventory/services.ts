/**
 * Every spelling of a vmkernel service that admins paste, normalised to the vSphere API nicType
 * (vsphere-traffic.md 3.1: "normalise every spelling to the API nicType, case-insensitively").
 */
import { VMK_SERVICES, type VmkService } from '../contract/inventory.js';

/**
 * Spellings that differ from the API name by more than case and spaces (so not the esxcli tags
 * VMotion, VSAN, NVMeTCP, nor the client's "Fault Tolerance logging", which match as they are):
 * client labels, the esxcli PTP tag, the PowerCLI HostVMKernelVirtualNic boolean properties, and
 * the DVS traffic-class names that mean the same service.
 */
const ALIASES: Record<VmkService, string[]> = {
  management: ['ManagementTrafficEnabled'],
  vmotion: ['VMotionEnabled'],
  vSphereProvisioning: ['Provisioning'],
  faultToleranceLogging: ['FaultToleranceLoggingEnabled', 'faultTolerance'],
  vsan: ['VsanTrafficEnabled'],
  vsanWitness: [],
  vSphereReplication: [],
  vSphereReplicationNFC: [],
  vSphereBackupNFC: ['backupNfc'],
  nvmeTcp: ['NVMe over TCP'],
  nvmeRdma: ['NVMe over RDMA'],
  ptp: ['PrecisionTimeProtocol'],
};

/** Lower case without spaces, hyphens or underscores: "Fault Tolerance logging" = "faultToleranceLogging". */
function spellingKey(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, '');
}

const BY_SPELLING = new Map<string, VmkService>();
for (const service of VMK_SERVICES) {
  for (const spelling of [service, ...ALIASES[service]]) BY_SPELLING.set(spellingKey(spelling), service);
}

/** The API nicType for any known spelling of a service, or null. */
export function normalizeService(text: string): VmkService | null {
  return BY_SPELLING.get(spellingKey(text)) ?? null;
}

