/**
 * `esxcfg-vmknic -l` (vsphere-traffic.md 4.7): one row per vmk and address family. The port
 * group column may hold spaces (a port group name) or a DVPort number (a vmk on a distributed
 * switch); Broadcast is empty on IPv6 rows; Type may be two words (`STATIC, PREFERRED`). So a
 * row is read from both ends: the device first, the MAC address as the anchor in the middle.
 */
import { netmaskToPrefix, normalizeMac, parseIp } from '../../net/ip.js';
import { normalizeNetstack } from '../builder.js';
import { contentLines } from '../transcript.js';
import type { Importer } from './context.js';
import { parseWhole } from './values.js';

const HEADER = /^Interface\s+Port Group\/DVPort/;
/** Greedy port group: the family is the last IPv4/IPv6 word followed by an address. */
const ROW = /^(vmk\d+)\s+(.*\S)\s+(IPv4|IPv6)\s+([0-9A-Fa-f:.]+(?:%\S+)?)\s+(.*)$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export const esxcfgVmknic: Importer = {
  format: 'esxcfg-vmknic -l',
  detect(section) {
    const first = contentLines(section)[0]?.text.trim() ?? '';
    return HEADER.test(first) || ROW.test(first);
  },
  parse(section, context) {
    const lines = contentLines(section);
    for (const { text, line } of HEADER.test(lines[0].text.trim()) ? lines.slice(1) : lines) {
      if (text.trim() === '') continue;
      const m = ROW.exec(text.trim());
      const rest = m ? m[5].split(/\s+/) : [];
      const macAt = rest.findIndex((w) => MAC.test(w));
      // Before the MAC: netmask (or IPv6 prefix length) and broadcast; after it: MTU, TSO MSS,
      // Enabled, one or two words of Type, NetStack.
      if (!m || macAt < 1 || rest.length - macAt < 6) {
        context.problem(line, `esxcfg-vmknic -l: row does not have the table's columns (cut short or edited?): ${text.trim()}`);
        continue;
      }
      const [, device, portgroup, family, address] = m;
      const vmk = context.vmk(section, line, device);
      if (!vmk) continue;
      const origin = context.origin(line);
      const ip = parseIp(address);
      const mask = rest[0];
      const prefix = family === 'IPv4' ? netmaskToPrefix(mask) : parseWhole(mask);
      if (ip === null || ip.version !== (family === 'IPv4' ? 4 : 6)) context.problem(line, `${device}: ${address} is not an ${family} address`);
      else if (prefix === null || prefix > (family === 'IPv4' ? 32 : 128)) context.problem(line, `${device}: netmask ${mask} is not a valid ${family} ${family === 'IPv4' ? 'netmask' : 'prefix length'}`);
      else if (family === 'IPv4') {
        if (address !== '0.0.0.0') vmk.primary({ ip, prefix }, origin);
      } else vmk.address({ ip, prefix }, origin);
      vmk.scalar('mac', normalizeMac(rest[macAt])!, origin);
      const mtu = parseWhole(rest[macAt + 1]);
      if (mtu === null) context.problem(line, `${device}: MTU ${rest[macAt + 1]} is not a number`);
      else vmk.scalar('mtu', mtu, origin);
      vmk.scalar('netstack', normalizeNetstack(rest[rest.length - 1]), origin);
      // A number is the DVPort of a distributed-switch vmk, not a port group name.
      if (!/^\d+$/.test(portgroup)) vmk.scalar('portgroup', portgroup, origin);
    }
  },
};
