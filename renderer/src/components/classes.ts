import type { FlowClass } from '../../../core/contract/report.js';

/** One colour per flow class, the same in the topology, the timeline and the flows table. */
export const CLASS_COLOURS: Record<FlowClass, string> = {
  vmotion: '#d9480f',
  nfc: '#1c7ed6',
  'udt-data': '#7048e8',
  'udt-control': '#9775fa',
  heartbeat: '#868e96',
  management: '#495057',
  vsan: '#2b8a3e',
  nfs: '#0b7285',
  iscsi: '#5c940d',
  'nvme-tcp': '#862e9c',
  ft: '#e67700',
  ha: '#a61e4d',
  replication: '#364fc7',
  other: '#adb5bd',
};

/** Classes of migration data, which the verdicts are about. */
export const MIGRATION_CLASSES: FlowClass[] = ['vmotion', 'nfc', 'udt-data', 'udt-control'];
