/**
 * PowerCLI exports (vsphere-traffic.md 4.9), read by header name:
 *
 * - `Get-VMHostNetworkAdapter -VMKernel | Select VMHost, Name, DeviceName, IP, SubnetMask, Mac,
 *   PortGroupName, Mtu, VMotionEnabled, ManagementTrafficEnabled, ... | Export-Csv`: one row per
 *   vmk. Its boolean columns cover only vMotion, management, FT logging and vSAN.
 * - The NetConfig export, `(Get-VMHost).ExtensionData.Config.VirtualNicManagerInfo.NetConfig`
 *   flattened to one row per selected vmk (VMHost, NicType, SelectedVnic key such as
 *   `vSphereProvisioning.key-vim.host.VirtualNic-vmk2`, or Device): every service, provisioning
 *   included, and for each vmk in it the complete list.
 *
 * Windows PowerShell 5.1 writes a `#TYPE ...` line first unless -NoTypeInformation; booleans are
 * True/False; an array property comes out as its type name, `System.String[]`.
 */
import type { VmkService } from '../../contract/inventory.js';
import { netmaskToPrefix, normalizeMac, parseIp } from '../../net/ip.js';
import type { HostFacts } from '../builder.js';
import { parseCsv, type CsvRow } from '../csv.js';
import { normalizeService } from '../services.js';
import { contentLines, type Section } from '../transcript.js';
import type { ImportContext, Importer } from './context.js';
import { fieldKey, parseBoolean, parseWhole, present } from './values.js';

interface PowercliTable {
  labels: string[];
  keys: string[];
  rows: CsvRow[];
  unterminatedQuoteLine: number | null;
}

function readTable(section: Section): PowercliTable | null {
  const lines = contentLines(section);
  const body = lines[0]?.text.startsWith('#TYPE') ? lines.slice(1) : lines;
  if (body.length === 0 || !body[0].text.includes(',')) return null;
  const table = parseCsv(body);
  // A quote opened in the header and never closed leaves no row at all: no header to read.
  if (table.rows.length === 0) return null;
  const labels = table.rows[0].cells.map((c) => c.trim());
  return { labels, keys: labels.map(fieldKey), rows: table.rows.slice(1), unterminatedQuoteLine: table.unterminatedQuoteLine };
}

/** The rows whose cell count matches the header; the others are problems. */
function completeRows(table: PowercliTable, context: ImportContext, what: string): { line: number; cell: (key: string) => string | null }[] {
  if (table.unterminatedQuoteLine !== null) context.problem(table.unterminatedQuoteLine, `${what}: a quoted value is never closed`);
  return table.rows.flatMap((row) => {
    if (row.cells.length !== table.keys.length) {
      context.problem(row.line, `${what}: row has ${row.cells.length} values where the header has ${table.keys.length}: cut short or edited?`);
      return [];
    }
    return [{ line: row.line, cell: (key: string) => present(row.cells[table.keys.indexOf(key)]) }];
  });
}

export const powercliAdapters: Importer = {
  format: 'PowerCLI Get-VMHostNetworkAdapter CSV',
  detect(section) {
    const k = readTable(section)?.keys ?? [];
    return (k.includes('devicename') || k.includes('name')) && (k.includes('ip') || k.includes('subnetmask') || k.includes('mac')) && !k.includes('nictype');
  },
  parse(section, context) {
    const table = readTable(section)!;
    // Boolean columns named after a service (VMotionEnabled, VsanTrafficEnabled, ...).
    const serviceColumns = table.labels.flatMap((label, i) => {
      const service = normalizeService(label);
      return service === null ? [] : [{ key: table.keys[i], label, service }];
    });
    for (const row of completeRows(table, context, 'PowerCLI CSV')) {
      const device = row.cell('devicename') ?? row.cell('name') ?? '';
      const vmk = context.vmk(section, row.line, device, row.cell('vmhost'));
      if (!vmk) continue;
      const origin = context.origin(row.line);
      const address = row.cell('ip');
      if (address !== null) {
        const ip = parseIp(address);
        const mask = row.cell('subnetmask');
        const prefix = mask === null ? null : netmaskToPrefix(mask);
        if (ip === null) context.problem(row.line, `${device}: IP ${address} is not an IP address`);
        else if (mask !== null && prefix === null) context.problem(row.line, `${device}: SubnetMask ${mask} is not a contiguous IPv4 netmask (such as 255.255.255.0)`);
        else vmk.primary({ ip, prefix }, origin);
      }
      const mac = row.cell('mac');
      if (mac !== null) {
        const normal = normalizeMac(mac);
        if (normal === null) context.problem(row.line, `${device}: Mac ${mac} is not a MAC address`);
        else vmk.scalar('mac', normal, origin);
      }
      const portgroup = row.cell('portgroupname');
      if (portgroup !== null) vmk.scalar('portgroup', portgroup, origin);
      const mtu = row.cell('mtu');
      if (mtu !== null) {
        const n = parseWhole(mtu);
        if (n === null) context.problem(row.line, `${device}: Mtu ${mtu} is not a number`);
        else vmk.scalar('mtu', n, origin);
      }
      for (const column of serviceColumns) {
        const value = row.cell(column.key);
        if (value === null) continue;
        const enabled = parseBoolean(value);
        if (enabled === null) context.problem(row.line, `${device}: ${column.label} is ${value}, not True or False`);
        else vmk.service(column.service, enabled, origin);
      }
    }
  },
};

/** `vSphereProvisioning.key-vim.host.VirtualNic-vmk2` (HostVirtualNicManager.netConfig[].selectedVnic[]), or a bare vmk2. */
const VNIC_KEY = /^(?:(\w+)\.key-vim\.host\.VirtualNic-)?(vmk\d+)$/;

export const powercliNetConfig: Importer = {
  format: 'PowerCLI VirtualNicManagerInfo.NetConfig CSV',
  detect(section) {
    const k = readTable(section)?.keys ?? [];
    return k.includes('nictype') && (k.includes('selectedvnic') || k.includes('device'));
  },
  parse(section, context) {
    const table = readTable(section)!;
    // Per host and vmk: the services selecting it, and the row that first named it.
    const selected = new Map<HostFacts, Map<string, { services: Set<VmkService>; line: number }>>();
    for (const row of completeRows(table, context, 'PowerCLI NetConfig CSV')) {
      const nicType = row.cell('nictype') ?? '';
      const service = normalizeService(nicType);
      if (service === null) {
        context.warning(row.line, `NicType ${nicType || '(empty)'} is not a service vmkscope knows; row left out`);
        continue;
      }
      const vnics = row.cell('selectedvnic') ?? row.cell('device');
      if (vnics === null) continue;
      if (vnics.startsWith('System.')) {
        context.problem(row.line, `SelectedVnic is ${vnics}: Export-Csv wrote the array's type name, not its keys; export one row per selected vmk (see docs/inventory.md)`);
        continue;
      }
      const host = context.host(section, row.line, row.cell('vmhost'));
      if (!host) continue;
      let vmks = selected.get(host);
      if (!vmks) selected.set(host, (vmks = new Map()));
      for (const key of vnics.split(/[\s,;]+/)) {
        const m = VNIC_KEY.exec(key);
        if (!m) {
          context.problem(row.line, `${key} is neither a vmk nor a virtual NIC key such as ${nicType}.key-vim.host.VirtualNic-vmk1`);
          continue;
        }
        if (m[1] !== undefined && normalizeService(m[1]) !== service) {
          context.problem(row.line, `${key} is a key of ${m[1]}, but the row's NicType is ${nicType}`);
          continue;
        }
        const entry = vmks.get(m[2]) ?? { services: new Set<VmkService>(), line: row.line };
        entry.services.add(service);
        vmks.set(m[2], entry);
      }
    }
    // NetConfig lists every service of the host: a vmk it names has exactly the services listed.
    for (const [host, vmks] of selected) {
      for (const [device, { services, line }] of vmks) host.vmk(device, context.origin(line)).serviceList([...services], context.origin(line));
    }
  },
};
