/**
 * The canonical inventory (report contract, "Canonical inventory (YAML or JSON)"): read, checked
 * field by field with the line of each problem, and handed to the builder as statements so a
 * canonical file merges with imported output like any other source.
 */
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { SYSTEM_NETSTACKS, VMK_SERVICES, type VmkService } from '../contract/inventory.js';
import { formatIp, normalizeMac, parseCidr, parseIp, type IpAddress, type IpPrefix } from '../net/ip.js';
import { MTU_RANGE, isEsxiVersion, normalizeNetstack, type HostFacts, type InventoryBuilder, type Origin } from './builder.js';
import { looksLikeJson, parseYamlOrJson, type ParsedDocument } from './document.js';
import { normalizeService } from './services.js';

/** The keys each level accepts: the contract's, then our additions (otherIps, mtu, portgroup). */
export const CANONICAL_KEYS = {
  top: ['hosts', 'vcenters', 'gateways'],
  host: ['name', 'version', 'vmks'],
  vmk: ['device', 'ip', 'mac', 'vlan', 'netstack', 'gateway', 'services', 'otherIps', 'mtu', 'portgroup'],
  vcenter: ['name', 'ip'],
  gateway: ['name', 'ips', 'macs'],
} as const;

/**
 * A canonical inventory is JSON with one of the top-level keys, or YAML with one of them at the
 * start of a line (so a file with a YAML syntax error is still read as canonical and its error
 * reported, rather than "not an inventory").
 */
export function isCanonicalText(text: string): boolean {
  const keys = CANONICAL_KEYS.top.join('|');
  if (looksLikeJson(text)) return new RegExp(`"(${keys})"\\s*:`).test(text);
  return new RegExp(`^(${keys})\\s*:`, 'm').test(text);
}

/** Reads a canonical file into `builder`; problems and warnings go to the builder too. */
export function readCanonical(text: string, file: string, builder: InventoryBuilder): void {
  new CanonicalReader(text, file, builder).read();
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The candidate a typo most likely meant (case ignored, at most 2 edits), or null. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance && d < Math.max(c.length, word.length)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

const didYouMean = (word: string, candidates: readonly string[]): string => {
  const c = closest(word, candidates);
  return c === null ? '' : ` (did you mean ${c}?)`;
};

class CanonicalReader {
  private document: ParsedDocument | null = null;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly builder: InventoryBuilder,
  ) {}

  private origin(node: Node | Pair | null | undefined): Origin {
    return { file: this.file, line: this.document?.lineOf(node) ?? null };
  }

  private problem(node: Node | Pair | null | undefined, message: string): void {
    this.builder.problem(this.origin(node), message);
  }

  read(): void {
    const parsed = parseYamlOrJson(this.text);
    if (Array.isArray(parsed)) {
      // After a syntax error the tree is a guess: report the syntax only.
      for (const p of parsed) this.builder.problem({ file: this.file, line: p.line }, p.message);
      return;
    }
    this.document = parsed;
    const top = parsed.contents;
    if (!isMap(top)) {
      this.problem(top, 'an inventory is a mapping with hosts (and optionally vcenters, gateways)');
      return;
    }
    const fields = this.fields(top, CANONICAL_KEYS.top, () => 'the inventory');
    for (const node of this.items(fields.get('hosts'), 'hosts')) this.host(node);
    for (const node of this.items(fields.get('vcenters'), 'vcenters')) this.vcenter(node);
    for (const node of this.items(fields.get('gateways'), 'gateways')) this.gateway(node);
  }

  /**
   * The pairs of a mapping by key. Unknown keys are problems with a "did you mean", named after
   * the entry (`describe` sees the known keys, so the message can say which host or vmk).
   */
  private fields(map: YAMLMap, allowed: readonly string[], describe: (fields: Map<string, Pair>) => string): Map<string, Pair> {
    const out = new Map<string, Pair>();
    const unknown: Pair[] = [];
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      if (key !== null && allowed.includes(key)) out.set(key, pair);
      else unknown.push(pair);
    }
    for (const pair of unknown) {
      const key = isScalar(pair.key) ? String(pair.key.value) : null;
      const hint = key === null ? '' : didYouMean(key, allowed);
      this.problem(pair, `${describe(out)}: unknown key ${key ?? '(not a name)'}${hint}; known: ${allowed.join(', ')}`);
    }
    return out;
  }

  /** The text of a key's scalar value, for naming an entry in messages. */
  private named(fields: Map<string, Pair>, key: string): string | null {
    const v = this.value(fields.get(key));
    return v === undefined ? null : this.scalarText(v);
  }

  /** The value of an optional key: undefined when absent or null. */
  private value(pair: Pair | undefined): Node | undefined {
    if (pair === undefined) return undefined;
    const v = pair.value as Node | null;
    if (v === null || (isScalar(v) && v.value === null)) return undefined;
    return v;
  }

  /** A scalar as text: numbers keep their spelling (`version: 8.0` is "8.0", not "8"). */
  private scalarText(node: Node): string | null {
    if (!isScalar(node)) return null;
    if (typeof node.value === 'string') return node.value;
    return node.source ?? String(node.value);
  }

  private required(map: YAMLMap, fields: Map<string, Pair>, key: string, what: string): Node | undefined {
    const v = this.value(fields.get(key));
    if (v === undefined) this.problem(fields.get(key) ?? map, `${what}: ${key} is missing`);
    return v;
  }

  private string(node: Node, what: string): string | null {
    const s = this.scalarText(node);
    if (s === null || s.trim() === '') {
      this.problem(node, `${what} must be a non-empty text`);
      return null;
    }
    return s.trim();
  }

  private integer(node: Node, what: string, min: number, max: number): number | null {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.problem(node, `${what} must be a whole number from ${min} to ${max} (got ${this.scalarText(node) ?? 'a list or mapping'})`);
      return null;
    }
    return v;
  }

  /** The items of a list-valued key ([] when absent), or a problem when the value is not a list. */
  private items(pair: Pair | undefined, what: string): Node[] {
    const v = this.value(pair);
    if (v === undefined) return [];
    if (!isSeq(v)) {
      this.problem(v, `${what} must be a list`);
      return [];
    }
    return v.items as Node[];
  }

  private mapping(node: Node, what: string): YAMLMap | null {
    if (isMap(node)) return node;
    this.problem(node, `${what} must be a mapping (key: value lines)`);
    return null;
  }

  private cidr(node: Node, what: string): IpPrefix | null {
    const s = this.string(node, what);
    if (s === null) return null;
    const p = parseCidr(s);
    if (p === null) this.problem(node, `${what} ${s} is not an IPv4 or IPv6 address with a prefix length`);
    else if (!s.includes('/')) this.problem(node, `${what} ${s} needs a prefix length (CIDR, such as ${s}/${p.version === 4 ? 24 : 64})`);
    else return p;
    return null;
  }

  private address(node: Node, what: string): IpAddress | null {
    const s = this.string(node, what);
    if (s === null) return null;
    const ip = parseIp(s);
    if (ip === null) this.problem(node, `${what} ${s} is not an IPv4 or IPv6 address`);
    return ip;
  }

  private mac(node: Node, what: string): string | null {
    const s = this.string(node, what);
    if (s === null) return null;
    const mac = normalizeMac(s);
    if (mac === null) this.problem(node, `${what} ${s} is not a MAC address (such as 00:50:56:6a:01:10)`);
    return mac;
  }

  private readonly hostNames = new Map<string, number | null>();

  private host(node: Node): void {
    const map = this.mapping(node, 'a host');
    if (!map) return;
    const fields = this.fields(map, CANONICAL_KEYS.host, (f) => `host ${this.named(f, 'name') ?? '(no name)'}`);
    const nameNode = this.required(map, fields, 'name', 'host');
    const name = nameNode && this.string(nameNode, 'host name');
    const where = name ? `host ${name}` : 'host';
    const versionNode = this.value(fields.get('version'));
    const version = versionNode && this.string(versionNode, `${where}: version`);
    if (versionNode && version && !isEsxiVersion(version)) this.problem(versionNode, `${where}: version ${version} is not an ESXi version such as 8.0.2`);
    const vmkNodes = this.items(fields.get('vmks'), `${where}: vmks`);
    if (!fields.has('vmks')) this.problem(map, `${where}: vmks is missing`);
    const valid = name && nameNode && !this.duplicate(this.hostNames, name, nameNode, 'host');
    if (!valid) {
      // Still check its vmks, so one run reports every problem.
      for (const v of vmkNodes) this.vmk(v, where, null);
      return;
    }
    const host = this.builder.host(name, this.origin(map));
    if (version && isEsxiVersion(version)) host.version(version, this.origin(versionNode));
    const devices = new Map<string, number | null>();
    for (const v of vmkNodes) {
      const device = this.vmk(v, where, host);
      if (device === null) continue;
      const firstVmk = devices.get(device);
      if (firstVmk !== undefined) this.problem(v, `${where}: ${device} is listed twice (first at line ${firstVmk})`);
      devices.set(device, this.origin(v).line);
    }
  }

  /** Checks one vmk and states it on `host` (null when the host itself is invalid); returns its device. */
  private vmk(node: Node, hostWhere: string, host: HostFacts | null): string | null {
    const map = this.mapping(node, `${hostWhere}: a vmk`);
    if (!map) return null;
    const fields = this.fields(map, CANONICAL_KEYS.vmk, (f) => `${hostWhere} ${this.named(f, 'device') ?? 'vmk'}`);
    const deviceNode = this.required(map, fields, 'device', `${hostWhere} vmk`);
    let device = deviceNode ? this.string(deviceNode, `${hostWhere}: device`) : null;
    if (deviceNode && device !== null && !/^vmk\d+$/.test(device)) {
      this.problem(deviceNode, `${hostWhere}: device ${device} is not a vmkernel adapter name (vmk0, vmk1, ...)`);
      device = null;
    }
    const where = `${hostWhere} ${device ?? 'vmk'}`;
    const at = (key: string): Origin => this.origin(fields.get(key) ?? map);
    const ipNode = this.required(map, fields, 'ip', where);
    const ip = ipNode ? this.cidr(ipNode, `${where}: ip`) : null;
    // Without a valid ip the vmk is not stated at all (its problem is reported).
    const facts = host && device && ip ? host.vmk(device, this.origin(map)) : null;
    facts?.primary({ ip: ip!, prefix: ip!.prefix }, at('ip'));
    // The family, even of an ip that lacks its prefix, to check the gateway against.
    const ipVersion = ipNode ? parseCidr(this.scalarText(ipNode) ?? '')?.version : undefined;
    for (const n of this.items(fields.get('otherIps'), `${where}: otherIps`)) {
      const other = this.cidr(n, `${where}: otherIps entry`);
      if (other) facts?.address({ ip: other, prefix: other.prefix }, this.origin(n));
    }
    const macNode = this.value(fields.get('mac'));
    const mac = macNode && this.mac(macNode, `${where}: mac`);
    if (mac) facts?.scalar('mac', mac, at('mac'));
    const vlanNode = this.value(fields.get('vlan'));
    const vlan = vlanNode && this.integer(vlanNode, `${where}: vlan`, 0, 4094);
    if (typeof vlan === 'number') facts?.scalar('vlan', vlan, at('vlan'));
    const netstackNode = this.value(fields.get('netstack'));
    const netstack = netstackNode ? this.string(netstackNode, `${where}: netstack`) : 'defaultTcpipStack';
    if (netstack) {
      const normal = normalizeNetstack(netstack);
      const near = closest(normal, SYSTEM_NETSTACKS);
      if (!(SYSTEM_NETSTACKS as readonly string[]).includes(normal) && near !== null) {
        this.builder.warning(at('netstack'), `${where}: netstack ${normal} is not a system netstack (did you mean ${near}?); kept as a custom netstack`);
      }
      facts?.scalar('netstack', normal, at('netstack'));
    }
    const gatewayNode = this.value(fields.get('gateway'));
    const gateway = gatewayNode && this.address(gatewayNode, `${where}: gateway`);
    if (gateway && ipVersion !== undefined && gateway.version !== ipVersion) {
      this.problem(gatewayNode, `${where}: gateway is IPv${gateway.version} but ip is IPv${ipVersion}`);
    } else if (gateway) facts?.gateway(gateway, at('gateway'));
    const services: VmkService[] = [];
    let servicesValid = true;
    for (const n of this.items(fields.get('services'), `${where}: services`)) {
      const name = this.string(n, `${where}: service`);
      const service = name === null ? null : normalizeService(name);
      if (service === null) {
        servicesValid = false;
        if (name !== null) this.problem(n, `${where}: unknown service ${name}${didYouMean(name, VMK_SERVICES)}; known: ${VMK_SERVICES.join(', ')}`);
      } else if (!services.includes(service)) services.push(service);
    }
    if (servicesValid) facts?.serviceList(services, fields.has('services') ? at('services') : this.origin(map));
    const mtuNode = this.value(fields.get('mtu'));
    const mtu = mtuNode && this.integer(mtuNode, `${where}: mtu`, ...MTU_RANGE);
    if (typeof mtu === 'number') facts?.scalar('mtu', mtu, at('mtu'));
    const portgroupNode = this.value(fields.get('portgroup'));
    const portgroup = portgroupNode && this.string(portgroupNode, `${where}: portgroup`);
    if (portgroup) facts?.scalar('portgroup', portgroup, at('portgroup'));
    return device;
  }

  private readonly vcenterNames = new Map<string, number | null>();

  private vcenter(node: Node): void {
    const map = this.mapping(node, 'a vcenter');
    if (!map) return;
    const fields = this.fields(map, CANONICAL_KEYS.vcenter, (f) => `vcenter ${this.named(f, 'name') ?? '(no name)'}`);
    const nameNode = this.required(map, fields, 'name', 'vcenter');
    const name = nameNode && this.string(nameNode, 'vcenter name');
    const where = name ? `vcenter ${name}` : 'vcenter';
    const ipNode = this.required(map, fields, 'ip', where);
    const ip = ipNode && this.address(ipNode, `${where}: ip`);
    if (!name || !nameNode || this.duplicate(this.vcenterNames, name, nameNode, 'vcenter')) return;
    if (ip) this.builder.vcenter({ name, ip: formatIp(ip) }, this.origin(map));
  }

  private readonly gatewayNames = new Map<string, number | null>();

  private gateway(node: Node): void {
    const map = this.mapping(node, 'a gateway');
    if (!map) return;
    const fields = this.fields(map, CANONICAL_KEYS.gateway, (f) => `gateway ${this.named(f, 'name') ?? '(no name)'}`);
    const nameNode = this.required(map, fields, 'name', 'gateway');
    const name = nameNode && this.string(nameNode, 'gateway name');
    const where = name ? `gateway ${name}` : 'gateway';
    const ips = this.items(fields.get('ips'), `${where}: ips`).map((n) => this.address(n, `${where}: ips entry`));
    const macs = this.items(fields.get('macs'), `${where}: macs`).map((n) => this.mac(n, `${where}: macs entry`));
    if (ips.length + macs.length === 0) this.problem(map, `${where}: give its ips or macs (or both)`);
    if (!name || !nameNode || this.duplicate(this.gatewayNames, name, nameNode, 'gateway')) return;
    if (ips.every((ip) => ip !== null) && macs.every((m) => m !== null)) {
      this.builder.gateway({ name, ips: ips.map((ip) => formatIp(ip!)), macs: macs as string[] }, this.origin(map));
    }
  }

  /** Records a name; true (and a problem) when the file already named it. */
  private duplicate(seen: Map<string, number | null>, name: string, node: Node, what: string): boolean {
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) {
      this.problem(node, `${what} ${name} is listed twice (first at line ${first})`);
      return true;
    }
    seen.set(name.toLowerCase(), this.origin(node).line);
    return false;
  }
}
