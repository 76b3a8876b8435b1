/**
 * Collects what every input says about hosts and vmks (each statement with the file and line it
 * came from) and resolves it into one Inventory. Sources complement each other (interface list
 * gives the MAC, ipv4 get the address, tag get the services); when two of them disagree on a
 * value, that is a problem naming both places.
 */
import {
  SYSTEM_NETSTACKS,
  VMK_SERVICES,
  type Inventory,
  type InventoryGateway,
  type InventoryHost,
  type InventoryProblem,
  type InventoryVcenter,
  type InventoryVmk,
  type VmkService,
} from '../contract/inventory.js';
import { formatIp, formatPrefix, sameAddress, type IpAddress } from '../net/ip.js';

export interface Origin {
  file: string;
  /** 1-based, or null when the place is the whole file. */
  line: number | null;
}

export function describeOrigin(origin: Origin): string {
  return origin.line === null ? origin.file : `${origin.file}:${origin.line}`;
}

/** An address as a source stated it; `prefix` is null when the source gives no netmask (govc). */
export interface StatedAddress {
  ip: IpAddress;
  prefix: number | null;
}

export function formatStated(a: StatedAddress): string {
  return a.prefix === null ? formatIp(a.ip) : formatPrefix({ ...a.ip, prefix: a.prefix });
}

/** Fields that hold one value, with the words used for them in messages. */
const SCALAR_LABELS = {
  mac: 'MAC address',
  vlan: 'VLAN',
  netstack: 'netstack',
  mtu: 'MTU',
  portgroup: 'port group',
} as const;
type ScalarField = keyof typeof SCALAR_LABELS;

type VmkStatement =
  | { kind: 'scalar'; field: ScalarField; value: string | number }
  /** The vmk's main address (its IPv4 address, or the canonical `ip`). */
  | { kind: 'primary'; value: StatedAddress }
  /** Further addresses (IPv6, canonical otherIps). */
  | { kind: 'address'; value: StatedAddress }
  | { kind: 'gateway'; value: IpAddress }
  | { kind: 'service'; service: VmkService; enabled: boolean };

interface Stated<S> {
  statement: S;
  origin: Origin;
  /** Order of arrival over all inputs: the earlier statement is the one a later one contradicts. */
  seq: number;
}

/** ESXi's largest vmk MTU; 68 is the smallest IPv4 allows. */
export const MTU_RANGE = [68, 9000] as const;

/** Statements about one vmk, resolved by `InventoryBuilder.finish`. */
export class VmkFacts {
  readonly statements: Stated<VmkStatement>[] = [];

  constructor(
    private readonly builder: InventoryBuilder,
    readonly device: string,
    /** Where the vmk was first named. */
    readonly origin: Origin,
  ) {}

  private add(statement: VmkStatement, origin: Origin): void {
    this.statements.push({ statement, origin, seq: this.builder.nextSeq() });
  }

  scalar(field: ScalarField, value: string | number, origin: Origin): void {
    // Whatever the source, the range the canonical reader enforces: `inventory import -o` must
    // never write a file vmkscope then refuses to read.
    if (field === 'mtu' && !(typeof value === 'number' && value >= MTU_RANGE[0] && value <= MTU_RANGE[1])) {
      this.builder.problem(origin, `${this.device}: MTU ${value} is outside ${MTU_RANGE[0]}-${MTU_RANGE[1]}`);
      return;
    }
    this.add({ kind: 'scalar', field, value }, origin);
  }

  primary(value: StatedAddress, origin: Origin): void {
    this.add({ kind: 'primary', value }, origin);
  }

  address(value: StatedAddress, origin: Origin): void {
    this.add({ kind: 'address', value }, origin);
  }

  gateway(value: IpAddress, origin: Origin): void {
    this.add({ kind: 'gateway', value }, origin);
  }

  /** One service on or off (a PowerCLI boolean column). */
  service(service: VmkService, enabled: boolean, origin: Origin): void {
    this.add({ kind: 'service', service, enabled }, origin);
  }

  /** A complete list (tag get, govc, NetConfig, canonical): every service not in it is off. */
  serviceList(enabled: readonly VmkService[], origin: Origin): void {
    for (const s of VMK_SERVICES) this.service(s, enabled.includes(s), origin);
  }
}

type HostStatement = { kind: 'version'; value: string } | { kind: 'netstacks'; value: string[] };

export class HostFacts {
  readonly vmks = new Map<string, VmkFacts>();
  readonly statements: Stated<HostStatement>[] = [];

  constructor(
    private readonly builder: InventoryBuilder,
    public name: string,
    readonly origin: Origin,
  ) {}

  vmk(device: string, origin: Origin): VmkFacts {
    let vmk = this.vmks.get(device);
    if (!vmk) {
      vmk = new VmkFacts(this.builder, device, origin);
      this.vmks.set(device, vmk);
    }
    return vmk;
  }

  version(value: string, origin: Origin): void {
    this.statements.push({ statement: { kind: 'version', value }, origin, seq: this.builder.nextSeq() });
  }

  /** The host's TCP/IP stacks (netstack list), to check the vmks' netstacks against. */
  netstacks(value: string[], origin: Origin): void {
    this.statements.push({ statement: { kind: 'netstacks', value }, origin, seq: this.builder.nextSeq() });
  }
}

/** A system netstack name in its API spelling whatever the case given, or the custom name as is. */
export function normalizeNetstack(name: string): string {
  return SYSTEM_NETSTACKS.find((s) => s.toLowerCase() === name.toLowerCase()) ?? name;
}

/** A version as ESXi reports it (8.0.2, 6.7.0) or as people write it (8.0). */
export function isEsxiVersion(text: string): boolean {
  return /^\d+(\.\d+)*$/.test(text);
}

/** Order vmk0, vmk1, vmk2, ..., vmk10 (by number, not text). */
function byDeviceNumber(a: string, b: string): number {
  return Number(a.slice(3)) - Number(b.slice(3)) || a.localeCompare(b);
}

/** Versions agree when one is the other with more components (8.0 and 8.0.2). */
function versionsAgree(a: string, b: string): boolean {
  const [x, y] = a.length <= b.length ? [a, b] : [b, a];
  return x === y || y.startsWith(`${x}.`);
}

export class InventoryBuilder {
  readonly problems: InventoryProblem[] = [];
  readonly warnings: InventoryProblem[] = [];
  private readonly hosts = new Map<string, HostFacts>();
  private readonly vcenters: Stated<InventoryVcenter>[] = [];
  private readonly gateways: Stated<InventoryGateway>[] = [];
  private seq = 0;

  nextSeq(): number {
    return this.seq++;
  }

  problem(origin: Origin, message: string): void {
    this.problems.push({ file: origin.file, line: origin.line, message });
  }

  warning(origin: Origin, message: string): void {
    this.warnings.push({ file: origin.file, line: origin.line, message });
  }

  /** The host of that name (DNS names: case does not matter), created on first mention. */
  host(name: string, origin: Origin): HostFacts {
    const key = name.toLowerCase();
    let host = this.hosts.get(key);
    if (!host) {
      host = new HostFacts(this, name, origin);
      this.hosts.set(key, host);
    }
    return host;
  }

  vcenter(value: InventoryVcenter, origin: Origin): void {
    this.vcenters.push({ statement: value, origin, seq: this.nextSeq() });
  }

  gateway(value: InventoryGateway, origin: Origin): void {
    this.gateways.push({ statement: value, origin, seq: this.nextSeq() });
  }

  finish(sources: string[]): Inventory {
    const warningsBefore = this.warnings.length;
    const hosts = this.foldShortNames()
      .map((h) => this.resolveHost(h))
      .filter((h): h is InventoryHost => h !== null)
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    // What resolving says (a vmk left out, a netstack assumed) is noise while a problem stands:
    // the inventory is not used, and a vmk whose address was invalid would read as "no address".
    if (this.problems.length > 0) this.warnings.splice(warningsBefore);
    return {
      hosts,
      vcenters: this.distinct(this.vcenters, 'vCenter', (a, b) => a.ip === b.ip),
      gateways: this.distinct(this.gateways, 'gateway', (a, b) => JSON.stringify(a) === JSON.stringify(b)),
      sources,
      inferred: false,
    };
  }

  /**
   * A transcript prompt shows the short host name (`[root@esx01:~]`) where vCenter-side exports
   * show the FQDN (`esx01.example.net`): a short name that is the first label of exactly one FQDN
   * is that host.
   */
  private foldShortNames(): HostFacts[] {
    const all = [...this.hosts.values()];
    const kept: HostFacts[] = [];
    for (const host of all) {
      if (host.name.includes('.')) {
        kept.push(host);
        continue;
      }
      const short = host.name.toLowerCase();
      const matches = all.filter((h) => h.name.toLowerCase().startsWith(`${short}.`));
      if (matches.length !== 1) {
        if (matches.length > 1) this.warning(host.origin, `host ${host.name} could be any of ${matches.map((m) => m.name).join(', ')}: kept as a host of its own`);
        kept.push(host);
        continue;
      }
      const full = matches[0];
      this.warning(host.origin, `host ${host.name} taken to be ${full.name} (${describeOrigin(full.origin)})`);
      full.statements.push(...host.statements);
      full.statements.sort((a, b) => a.seq - b.seq);
      for (const [device, vmk] of host.vmks) {
        const into = full.vmk(device, vmk.origin);
        into.statements.push(...vmk.statements);
        into.statements.sort((a, b) => a.seq - b.seq);
      }
    }
    return kept;
  }

  private resolveHost(host: HostFacts): InventoryHost | null {
    let version: Stated<string> | null = null;
    let netstacks: Stated<string[]> | null = null;
    for (const s of host.statements) {
      const st = s.statement;
      if (st.kind === 'netstacks') {
        netstacks = netstacks ?? { statement: [], origin: s.origin, seq: s.seq };
        netstacks.statement.push(...st.value);
      } else if (version === null) version = { statement: st.value, origin: s.origin, seq: s.seq };
      else if (!versionsAgree(version.statement, st.value)) {
        this.problem(s.origin, `${host.name}: version ${st.value} contradicts ${version.statement} (${describeOrigin(version.origin)})`);
      } else if (st.value.length > version.statement.length) version.statement = st.value;
    }
    const vmks: InventoryVmk[] = [];
    const noNetstack: string[] = [];
    const noServices: string[] = [];
    const noNetmask: string[] = [];
    for (const facts of [...host.vmks.values()].sort((a, b) => byDeviceNumber(a.device, b.device))) {
      const vmk = this.resolveVmk(host.name, facts, noNetmask);
      if (vmk === null) continue;
      if (!facts.statements.some((s) => s.statement.kind === 'scalar' && s.statement.field === 'netstack')) noNetstack.push(vmk.device);
      if (!facts.statements.some((s) => s.statement.kind === 'service')) noServices.push(vmk.device);
      if (netstacks && !netstacks.statement.includes(vmk.netstack)) {
        this.warning(netstacks.origin, `${host.name} ${vmk.device}: netstack ${vmk.netstack} is not in the host's netstack list (${netstacks.statement.join(', ')})`);
      }
      vmks.push(vmk);
    }
    if (noNetstack.length > 0) {
      this.warning(host.origin, `${host.name}: no netstack given for ${noNetstack.join(', ')}; assumed defaultTcpipStack (esxcli network ip interface list, esxcfg-vmknic -l or govc host.vnic.info give it)`);
    }
    if (noNetmask.length > 0) {
      this.warning(host.origin, `${host.name}: no netmask given for ${noNetmask.join(', ')}; written as host prefixes (/32, /128) (esxcli network ip interface ipv4 get or a PowerCLI SubnetMask column give it)`);
    }
    if (noServices.length > 0) {
      this.warning(host.origin, `${host.name}: no services given for ${noServices.join(', ')}; written as none (esxcli network ip interface tag get -i vmkN, govc host.vnic.info or a PowerCLI NetConfig export give them)`);
    }
    if (vmks.length === 0) {
      this.warning(host.origin, `${host.name}: no vmk with an address; host left out`);
      return null;
    }
    return { name: host.name, version: version?.statement ?? null, vmks };
  }

  /** The vmk from its statements, or null when it has no address; `noNetmask` collects addresses without a prefix. */
  private resolveVmk(hostName: string, facts: VmkFacts, noNetmask: string[]): InventoryVmk | null {
    const where = `${hostName} ${facts.device}`;
    let primary: Stated<StatedAddress> | null = null;
    const addresses: Stated<StatedAddress>[] = [];
    const gateways: Stated<IpAddress>[] = [];
    const scalars = new Map<ScalarField, Stated<string | number>>();
    const services = new Map<VmkService, Stated<boolean>>();
    for (const s of facts.statements) {
      const st = s.statement;
      switch (st.kind) {
        case 'scalar': {
          const prev = scalars.get(st.field);
          if (!prev) scalars.set(st.field, { statement: st.value, origin: s.origin, seq: s.seq });
          else if (prev.statement !== st.value) {
            this.problem(s.origin, `${where}: ${SCALAR_LABELS[st.field]} ${st.value} contradicts ${prev.statement} (${describeOrigin(prev.origin)})`);
          }
          break;
        }
        case 'primary':
          if (primary === null) primary = { statement: { ...st.value }, origin: s.origin, seq: s.seq };
          else this.agree(where, primary, st.value, s.origin);
          break;
        case 'address': {
          const same = addresses.find((a) => sameAddress(a.statement.ip, st.value.ip));
          if (same) this.agree(where, same, st.value, s.origin);
          else addresses.push({ statement: { ...st.value }, origin: s.origin, seq: s.seq });
          break;
        }
        case 'gateway': {
          const prev = gateways.find((g) => g.statement.version === st.value.version);
          if (!prev) gateways.push({ statement: st.value, origin: s.origin, seq: s.seq });
          else if (!sameAddress(prev.statement, st.value)) {
            this.problem(s.origin, `${where}: gateway ${formatIp(st.value)} contradicts ${formatIp(prev.statement)} (${describeOrigin(prev.origin)})`);
          }
          break;
        }
        case 'service': {
          const prev = services.get(st.service);
          if (!prev) services.set(st.service, { statement: st.enabled, origin: s.origin, seq: s.seq });
          else if (prev.statement !== st.enabled) {
            const on = (b: boolean): string => (b ? 'enabled' : 'not enabled');
            this.problem(s.origin, `${where}: service ${st.service} ${on(st.enabled)} here but ${on(prev.statement)} in ${describeOrigin(prev.origin)}`);
          }
          break;
        }
      }
    }
    // Without a stated primary, the first IPv4, else the first global IPv6, else any address.
    if (primary === null) {
      primary =
        addresses.find((a) => a.statement.ip.version === 4) ??
        addresses.find((a) => !isLinkLocal(a.statement.ip)) ??
        addresses[0] ??
        null;
    }
    if (primary === null) {
      this.warning(facts.origin, `${where}: no IP address in the input; vmk left out`);
      return null;
    }
    const main = primary.statement;
    const others = addresses.filter((a) => !sameAddress(a.statement.ip, main.ip));
    for (const a of [primary, ...others]) {
      if (a.statement.prefix !== null) continue;
      a.statement.prefix = a.statement.ip.version === 4 ? 32 : 128;
      noNetmask.push(`${facts.device} (${formatIp(a.statement.ip)})`);
    }
    const scalar = <T extends string | number>(field: ScalarField): T | null => (scalars.get(field)?.statement as T | undefined) ?? null;
    const gateway = gateways.find((g) => g.statement.version === main.ip.version);
    return {
      device: facts.device,
      ip: formatStated(main),
      otherIps: others.map((a) => formatStated(a.statement)),
      mac: scalar<string>('mac'),
      vlan: scalar<number>('vlan'),
      netstack: scalar<string>('netstack') ?? 'defaultTcpipStack',
      gateway: gateway ? formatIp(gateway.statement) : null,
      services: VMK_SERVICES.filter((s) => services.get(s)?.statement === true),
      mtu: scalar<number>('mtu'),
      portgroup: scalar<string>('portgroup'),
    };
  }

  /** Checks a later statement of an address against the held one; a netmask fills a missing one. */
  private agree(where: string, held: Stated<StatedAddress>, value: StatedAddress, origin: Origin): void {
    const h = held.statement;
    if (sameAddress(h.ip, value.ip) && (h.prefix === null || value.prefix === null || h.prefix === value.prefix)) {
      h.prefix = h.prefix ?? value.prefix;
      return;
    }
    this.problem(origin, `${where}: address ${formatStated(value)} contradicts ${formatStated(h)} (${describeOrigin(held.origin)})`);
  }

  /** Entries named twice: kept once when equal, a problem when they differ. */
  private distinct<T extends { name: string }>(entries: Stated<T>[], what: string, equal: (a: T, b: T) => boolean): T[] {
    const out = new Map<string, Stated<T>>();
    for (const e of entries) {
      const key = e.statement.name.toLowerCase();
      const prev = out.get(key);
      if (!prev) out.set(key, e);
      else if (!equal(prev.statement, e.statement)) {
        this.problem(e.origin, `${what} ${e.statement.name} differs from its entry in ${describeOrigin(prev.origin)}`);
      }
    }
    return [...out.values()].map((e) => e.statement);
  }
}

function isLinkLocal(ip: IpAddress): boolean {
  return ip.version === 6 && ip.words[0] >>> 22 === 0x3fa; // fe80::/10
}
