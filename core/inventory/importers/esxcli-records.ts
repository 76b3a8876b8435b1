/**
 * What esxcli commands say, whatever the formatter: text, csv, xml and keyvalue all come down to
 * records of fields, keyed by the field name without spaces or case (the text label `MAC Address`
 * and the csv/xml/keyvalue key `MACAddress` are both macaddress). The fields a record has tell
 * which command printed it (vsphere-traffic.md section 4).
 */
import type { VmkService } from '../../contract/inventory.js';
import { netmaskToPrefix, normalizeMac, parseIp, parseIpv4, type IpAddress } from '../../net/ip.js';
import { isEsxiVersion, normalizeNetstack } from '../builder.js';
import { normalizeService } from '../services.js';
import type { Section } from '../transcript.js';
import type { ImportContext } from './context.js';
import { parseWhole, present } from './values.js';

export interface EsxcliField {
  value: string;
  line: number;
}

export interface EsxcliRecord {
  line: number;
  fields: Map<string, EsxcliField>;
}

function text(record: EsxcliRecord, key: string): string | undefined {
  return record.fields.get(key)?.value;
}

function lineOf(record: EsxcliRecord, key: string): number {
  return record.fields.get(key)?.line ?? record.line;
}

export interface EsxcliCommand {
  /** The command, for messages. */
  command: string;
  /** Whether records with these field keys come from this command. */
  matches(keys: ReadonlySet<string>): boolean;
  state(record: EsxcliRecord, section: Section, context: ImportContext): void;
}

/** An IPv4 address field that may be 0.0.0.0 for "none"; a problem when it is not an address. */
function ipv4Field(record: EsxcliRecord, key: string, context: ImportContext, what: string): IpAddress | null {
  const value = present(text(record, key));
  if (value === null || value === '0.0.0.0') return null;
  const ip = parseIpv4(value);
  if (ip === null) context.problem(lineOf(record, key), `${what} ${value} is not an IPv4 address`);
  return ip;
}

const COMMANDS: EsxcliCommand[] = [
  {
    command: 'esxcli network ip interface list',
    matches: (k) => k.has('name') && k.has('macaddress'),
    state(record, section, context) {
      const vmk = context.vmk(section, record.line, text(record, 'name') ?? '');
      if (!vmk) return;
      const mac = present(text(record, 'macaddress'));
      if (mac !== null) {
        const normal = normalizeMac(mac);
        if (normal === null) context.problem(lineOf(record, 'macaddress'), `${vmk.device}: ${mac} is not a MAC address`);
        else vmk.scalar('mac', normal, context.origin(lineOf(record, 'macaddress')));
      }
      const netstack = present(text(record, 'netstackinstance'));
      if (netstack !== null) vmk.scalar('netstack', normalizeNetstack(netstack), context.origin(lineOf(record, 'netstackinstance')));
      const mtu = present(text(record, 'mtu'));
      if (mtu !== null) {
        const n = parseWhole(mtu);
        if (n === null) context.problem(lineOf(record, 'mtu'), `${vmk.device}: MTU ${mtu} is not a number`);
        else vmk.scalar('mtu', n, context.origin(lineOf(record, 'mtu')));
      }
      // On a distributed switch Portgroup is N/A (the DV port is in VDS Port).
      const portgroup = present(text(record, 'portgroup'));
      if (portgroup !== null) vmk.scalar('portgroup', portgroup, context.origin(lineOf(record, 'portgroup')));
    },
  },
  {
    command: 'esxcli network ip interface ipv4 get',
    matches: (k) => k.has('name') && k.has('ipv4address') && k.has('ipv4netmask'),
    state(record, section, context) {
      const vmk = context.vmk(section, record.line, text(record, 'name') ?? '');
      if (!vmk) return;
      const ip = ipv4Field(record, 'ipv4address', context, `${vmk.device}: IPv4 address`);
      if (ip) {
        const mask = text(record, 'ipv4netmask') ?? '';
        const prefix = netmaskToPrefix(mask);
        if (prefix === null) context.problem(lineOf(record, 'ipv4netmask'), `${vmk.device}: netmask ${mask} is not a contiguous IPv4 netmask (such as 255.255.255.0)`);
        else vmk.primary({ ip, prefix }, context.origin(lineOf(record, 'ipv4address')));
      }
      // Gateway (absent before 6.5) is the vmk's own default gateway; 0.0.0.0 when it has none.
      const gateway = ipv4Field(record, 'gateway', context, `${vmk.device}: gateway`);
      if (gateway) vmk.gateway(gateway, context.origin(lineOf(record, 'gateway')));
    },
  },
  // Before ipv6 get: netstack list also has an IPv6 Enabled field (6.5+).
  {
    command: 'esxcli network ip netstack list',
    matches: (k) => k.has('key') && k.has('name') && !k.has('macaddress'),
    state(record, section, context) {
      const key = present(text(record, 'key'));
      if (key !== null) context.host(section, record.line)?.netstacks([normalizeNetstack(key)], context.origin(lineOf(record, 'key')));
    },
  },
  {
    command: 'esxcli network ip interface ipv6 get',
    matches: (k) => k.has('name') && [...k].some((key) => /^(ipv6enabled|dhcpv6|routeradv)/.test(key)),
    state(record, section, context) {
      const vmk = context.vmk(section, record.line, text(record, 'name') ?? '');
      const value = present(text(record, 'gateway'));
      if (!vmk || value === null || value === '::') return;
      const gateway = parseIp(value);
      if (gateway === null || gateway.version !== 6) context.problem(lineOf(record, 'gateway'), `${vmk.device}: IPv6 gateway ${value} is not an IPv6 address`);
      else vmk.gateway(gateway, context.origin(lineOf(record, 'gateway')));
    },
  },
  {
    command: 'esxcli network ip interface ipv6 address list',
    matches: (k) => k.has('interface') && k.has('address') && k.has('netmask'),
    state(record, section, context) {
      const vmk = context.vmk(section, record.line, text(record, 'interface') ?? '');
      if (!vmk) return;
      const value = text(record, 'address') ?? '';
      const ip = parseIp(value);
      const prefix = parseWhole(text(record, 'netmask') ?? '');
      if (ip === null || ip.version !== 6) context.problem(lineOf(record, 'address'), `${vmk.device}: ${value} is not an IPv6 address`);
      else if (prefix === null || prefix > 128) context.problem(lineOf(record, 'netmask'), `${vmk.device}: IPv6 prefix length ${text(record, 'netmask')} is not 0-128`);
      else vmk.address({ ip, prefix }, context.origin(lineOf(record, 'address')));
    },
  },
  {
    command: 'esxcli network ip route ipv4|ipv6 list',
    matches: (k) => k.has('network') && k.has('gateway') && k.has('interface'),
    state(record, section, context) {
      // Only the default route says which gateway a vmk's netstack uses.
      const network = text(record, 'network') ?? '';
      if (!['default', '0.0.0.0', '::'].includes(network)) return;
      const vmk = context.vmk(section, record.line, text(record, 'interface') ?? '');
      const value = present(text(record, 'gateway'));
      if (!vmk || value === null || value === '0.0.0.0' || value === '::') return;
      const gateway = parseIp(value);
      if (gateway === null) context.problem(lineOf(record, 'gateway'), `${vmk.device}: gateway ${value} is not an IP address`);
      else vmk.gateway(gateway, context.origin(lineOf(record, 'gateway')));
    },
  },
  {
    command: 'esxcli network ip interface tag get -i vmkN',
    matches: (k) => k.has('tags'),
    state(record, section, context) {
      const line = lineOf(record, 'tags');
      const device = section.command?.vmk;
      if (!device) {
        context.problem(line, 'tag get output without the vmk it belongs to: paste it with its command line (esxcli network ip interface tag get -i vmk1)');
        return;
      }
      const vmk = context.vmk(section, line, device);
      if (!vmk) return;
      const services: VmkService[] = [];
      for (const tag of (text(record, 'tags') ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '')) {
        const service = normalizeService(tag);
        if (service === null) context.warning(line, `${device}: tag ${tag} is not a service vmkscope knows; left out`);
        else services.push(service);
      }
      vmk.serviceList(services, context.origin(line));
    },
  },
  {
    command: 'esxcli system version get',
    matches: (k) => k.has('product') && k.has('version'),
    state(record, section, context) {
      const version = text(record, 'version') ?? '';
      const line = lineOf(record, 'version');
      if (!isEsxiVersion(version)) context.problem(line, `version ${version} is not an ESXi version such as 8.0.2`);
      else context.host(section, line)?.version(version, context.origin(line));
    },
  },
];

/** The command whose output has records with these keys, or null. */
export function esxcliCommandFor(keys: ReadonlySet<string>): EsxcliCommand | null {
  return COMMANDS.find((c) => c.matches(keys)) ?? null;
}

/** States every record; `command` comes from `esxcliCommandFor` on their keys. */
export function stateRecords(command: EsxcliCommand, records: EsxcliRecord[], section: Section, context: ImportContext): void {
  for (const record of records) command.state(record, section, context);
}
