/**
 * govc host.vnic.info, text and -json (vsphere-traffic.md 4.8; govmomi cli/host/vnic/info.go).
 * It describes one host (govc's -host), gives the address without its netmask, and lists the
 * enabled services as API nicType names. JSON keys were PascalCase before govc v0.32.0 and
 * camelCase since; `services` is null when none are enabled.
 */
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { VmkService } from '../../contract/inventory.js';
import { parseIp } from '../../net/ip.js';
import { normalizeNetstack } from '../builder.js';
import { looksLikeJson, parseYamlOrJson } from '../document.js';
import { normalizeService } from '../services.js';
import { contentLines, type Section } from '../transcript.js';
import type { ImportContext, Importer } from './context.js';
import { fieldKey, present } from './values.js';

interface VnicInfo {
  device: string;
  network: string | null;
  address: string | null;
  stack: string | null;
  services: string[];
  line: number;
}

function stateVnic(info: VnicInfo, section: Section, context: ImportContext): void {
  const vmk = context.vmk(section, info.line, info.device);
  if (!vmk) return;
  const origin = context.origin(info.line);
  if (info.address !== null) {
    const ip = parseIp(info.address);
    if (ip === null) context.problem(info.line, `${info.device}: ${info.address} is not an IP address`);
    else vmk.primary({ ip, prefix: null }, origin);
  }
  if (info.stack !== null) vmk.scalar('netstack', normalizeNetstack(info.stack), origin);
  if (info.network !== null) vmk.scalar('portgroup', info.network, origin);
  const services: VmkService[] = [];
  for (const name of info.services) {
    const service = normalizeService(name);
    if (service === null) context.warning(info.line, `${info.device}: service ${name} is not one vmkscope knows; left out`);
    else services.push(service);
  }
  vmk.serviceList(services, origin);
}

/** Text: `Label:` then the value, aligned by tabwriter with spaces; one block per vmk, starting at Device. */
const LABEL = /^([A-Za-z][\w /]*?):\s*(.*)$/;

export const govcText: Importer = {
  format: 'govc host.vnic.info',
  detect(section) {
    const lines = contentLines(section);
    return /^Device:\s+\S/.test(lines[0]?.text ?? '') && lines.some((l) => /^TCP\/IP stack:/.test(l.text));
  },
  parse(section, context) {
    let current: VnicInfo | null = null;
    const done = (): void => {
      if (current) stateVnic(current, section, context);
    };
    for (const { text, line } of contentLines(section)) {
      if (text.trim() === '') continue;
      const m = LABEL.exec(text.trimEnd());
      if (!m) {
        context.problem(line, `line not understood in govc host.vnic.info output: ${text.trim()}`);
        continue;
      }
      const [, label, raw] = m;
      const value = present(raw);
      switch (fieldKey(label)) {
        case 'device':
          done();
          current = { device: raw.trim(), network: null, address: null, stack: null, services: [], line };
          break;
        case 'networklabel':
          if (current) current.network = value;
          break;
        case 'ipaddress':
          if (current) current.address = value;
          break;
        case 'tcpipstack':
          if (current) current.stack = value;
          break;
        case 'enabledservices':
          if (current) current.services = value === null ? [] : value.split(',').map((s) => s.trim());
          break;
        case 'switch':
          break;
        default:
          context.problem(line, `line not understood in govc host.vnic.info output: ${text.trim()}`);
      }
    }
    done();
  },
};

/** A key of a govc JSON object in either casing (device or Device). */
function member(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value).toLowerCase() === key);
}

function scalarText(pair: Pair | undefined): string | null {
  const v = pair?.value as Node | null | undefined;
  return v && isScalar(v) && v.value !== null ? present(String(v.value)) : null;
}

export const govcJson: Importer = {
  format: 'govc host.vnic.info -json',
  detect(section) {
    const text = section.lines.join('\n');
    return looksLikeJson(text) && /"info"\s*:/i.test(text);
  },
  parse(section, context) {
    const parsed = parseYamlOrJson(section.lines.join('\n'), section.firstLine);
    if (Array.isArray(parsed)) {
      for (const p of parsed) context.problem(p.line, p.message);
      return;
    }
    const top = parsed.contents;
    const list = isMap(top) ? (member(top, 'info')?.value as Node | null) : null;
    if (!isSeq(list)) {
      context.problem(parsed.lineOf(top), 'govc host.vnic.info -json: expected {"info": [...]}');
      return;
    }
    for (const item of list.items as Node[]) {
      const line = parsed.lineOf(item) ?? section.firstLine;
      if (!isMap(item)) {
        context.problem(line, 'govc host.vnic.info -json: an info entry is not an object');
        continue;
      }
      const services = member(item, 'services')?.value as Node | null | undefined;
      if (services && !isSeq(services) && !(isScalar(services) && services.value === null)) {
        context.problem(parsed.lineOf(services), 'govc host.vnic.info -json: services is neither a list nor null');
        continue;
      }
      stateVnic(
        {
          device: scalarText(member(item, 'device')) ?? '',
          network: scalarText(member(item, 'network')),
          address: scalarText(member(item, 'address')),
          stack: scalarText(member(item, 'stack')),
          services: isSeq(services) ? (services.items as Node[]).map((s) => (isScalar(s) ? String(s.value) : '')) : [],
          line,
        },
        section,
        context,
      );
    }
  },
};
