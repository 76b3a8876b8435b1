/**
 * Network namespaces playing ESXi hosts: each lab node is a namespace whose veth interfaces are
 * named like the vmks they stand for; every L2 segment is a plain Linux bridge in a switch
 * namespace of its own, so no lab address ever touches the machine's own stack. A node marked
 * `router` forwards IPv4 between its segments (the gateway appliance of the scenarios).
 *
 * Everything a lab creates (namespaces, the processes it starts in them) is removed by
 * `teardown()`, by `teardownAllLabs()` (an `after()` hook), and as a last resort when the process
 * exits, so a failing test leaves nothing behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface LabInterface {
  /** The name inside the node's namespace: vmk0, vmk1... for hosts. */
  device: string;
  /** The L2 segment (bridge) the other end of the veth pair is attached to. */
  segment: string;
  mac: string;
  /** Address with prefix, 198.18.0.0/15 only. */
  cidr: string;
  mtu: number;
}

export interface LabNode {
  name: string;
  interfaces: LabInterface[];
  /** Default gateway of the node's stack (ESXi: the default netstack's gateway, reached from vmk0). */
  gateway?: string;
  /** Forward IPv4 between its interfaces. */
  router?: boolean;
}

export interface Topology {
  nodes: LabNode[];
}

/** Every lab address lives in the benchmarking range; nothing is ever sent elsewhere. */
const LAB_RANGE = /^198\.(18|19)\.\d{1,3}\.\d{1,3}(\/\d{1,2})?$/;

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

const liveLabs = new Set<Lab>();

/**
 * Last resort when the test process ends without running its hooks (an uncaught error, Ctrl-C
 * through node --test): synchronous, because nothing asynchronous runs in an `exit` handler.
 */
function emergencyCleanup(): void {
  for (const lab of liveLabs) lab.teardownSync();
}
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', emergencyCleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      emergencyCleanup();
      process.kill(process.pid, signal);
    });
  }
}

export class Lab {
  /** Random per lab so parallel runs (two CI jobs, a developer's shell) never share a name. */
  readonly id = randomBytes(3).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly switchNs: string;
  private readonly bridges = new Map<string, string>();

  constructor() {
    this.switchNs = `vmks-${this.id}-sw`;
    installExitHook();
    liveLabs.add(this);
  }

  /** The namespace playing `node`. */
  ns(node: string): string {
    return `vmks-${this.id}-${node}`;
  }

  allNamespaces(): readonly string[] {
    return this.namespaces;
  }

  /** Create the namespaces, bridges, veth pairs, addresses, routes of `topology`. */
  build(topology: Topology): void {
    for (const node of topology.nodes) {
      for (const i of node.interfaces) {
        if (!LAB_RANGE.test(i.cidr)) throw new Error(`${node.name} ${i.device}: ${i.cidr} is outside 198.18.0.0/15`);
      }
      if (node.gateway !== undefined && !LAB_RANGE.test(node.gateway)) throw new Error(`${node.name}: gateway ${node.gateway} outside 198.18.0.0/15`);
    }
    this.addNamespace(this.switchNs);
    topology.nodes.forEach((node, n) => {
      const ns = this.ns(node.name);
      this.addNamespace(ns);
      node.interfaces.forEach((iface, k) => {
        const bridge = this.bridge(iface.segment);
        // Interface names are limited to 15 bytes: the switch side is named by position.
        const port = `p${n}-${k}`;
        run('ip', ['link', 'add', iface.device, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.switchNs]);
        // gso_max_segs 1: the stack hands the device one MTU-sized segment at a time, so the
        // capture shows frames as a NIC puts them on the wire (ESXi's uplink captures do), not
        // the 64 KB super-packets veth's offloads would otherwise show tcpdump.
        run('ip', ['-n', ns, 'link', 'set', 'dev', iface.device, 'address', iface.mac, 'mtu', String(iface.mtu), 'gso_max_segs', '1']);
        run('ip', ['-n', this.switchNs, 'link', 'set', 'dev', port, 'mtu', String(iface.mtu), 'master', bridge, 'up']);
        run('ip', ['-n', ns, 'addr', 'add', iface.cidr, 'dev', iface.device]);
        run('ip', ['-n', ns, 'link', 'set', 'dev', iface.device, 'up']);
      });
      if (node.router === true) this.sysctl(ns, 'net/ipv4/ip_forward', '1');
      if (node.gateway !== undefined) run('ip', ['-n', ns, 'route', 'add', 'default', 'via', node.gateway]);
    });
  }

  private addNamespace(ns: string): void {
    run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    // No IPv6: router solicitations and neighbour discovery would only add noise to captures
    // whose subject is IPv4 vmk traffic.
    this.sysctl(ns, 'net/ipv6/conf/all/disable_ipv6', '1');
    this.sysctl(ns, 'net/ipv6/conf/default/disable_ipv6', '1');
    run('ip', ['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
  }

  private bridge(segment: string): string {
    let name = this.bridges.get(segment);
    if (name === undefined) {
      name = `br${this.bridges.size}`;
      // A plain bridge: STP off (the default), so ports forward as soon as they are up.
      run('ip', ['-n', this.switchNs, 'link', 'add', name, 'type', 'bridge']);
      run('ip', ['-n', this.switchNs, 'link', 'set', 'dev', name, 'up']);
      this.bridges.set(segment, name);
    }
    return name;
  }

  /** /proc/sys inside the namespace (no dependency on the sysctl binary, absent on minimal images). */
  private sysctl(ns: string, key: string, value: string): void {
    run('ip', ['netns', 'exec', ns, 'sh', '-c', `echo ${value} > /proc/sys/${key}`]);
  }

  /** Start `command` inside the node's namespace; the lab kills it at teardown if it still runs. */
  spawn(node: string, command: string, args: string[]): ChildProcess {
    // ip netns exec execs the command in place: the child's pid is the command's own.
    const child = spawn('ip', ['netns', 'exec', this.ns(node), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Run a command inside the node's namespace and return its standard output. */
  exec(node: string, command: string, args: string[]): string {
    return run('ip', ['netns', 'exec', this.ns(node), command, ...args]);
  }

  /** Stop what still runs, then delete the namespaces (their veths and bridges go with them). */
  async teardown(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 2000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    this.deleteNamespaces();
  }

  teardownSync(): void {
    for (const child of this.children) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.children.clear();
    this.deleteNamespaces();
  }

  private deleteNamespaces(): void {
    // Hosts first, the switch last: nothing depends on the order, it only reads better in logs.
    for (const ns of this.namespaces.splice(0).reverse()) spawnSync('ip', ['netns', 'del', ns]);
    liveLabs.delete(this);
  }
}

/** Tear down every lab this process still holds (an `after()` hook of the lab test). */
export async function teardownAllLabs(): Promise<void> {
  await Promise.all([...liveLabs].map((lab) => lab.teardown()));
}

/** Namespaces whose names carry this lab's prefix (the test checks none survive). */
export function namespacesOf(lab: Lab): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return (r.stdout ?? '')
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith(`vmks-${lab.id}-`));
}

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

/**
 * Why the lab cannot run here, or null when it can: root, iproute2, tcpdump, tshark (the oracle
 * of the infrastructure checks), and a namespace with a veth pair actually created and deleted.
 */
export function labUnavailable(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root: creating network namespaces needs CAP_SYS_ADMIN';
  if (!works('ip', ['-V'])) return 'ip (Debian package iproute2) is not installed';
  if (!works('tcpdump', ['--version'])) return 'tcpdump (Debian package tcpdump) is not installed';
  if (!works('tshark', ['--version'])) return 'tshark (Debian package tshark) is not installed';
  const probe = `vmks-probe-${randomBytes(3).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error || add.status !== 0) return `ip netns add fails here: ${(add.stderr ?? add.error?.message ?? '').trim()}`;
  try {
    const veth = spawnSync('ip', ['-n', probe, 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'], { encoding: 'utf8' });
    if (veth.status !== 0) return `veth pairs cannot be created: ${veth.stderr.trim()}`;
    const bridge = spawnSync('ip', ['-n', probe, 'link', 'add', 'probebr', 'type', 'bridge'], { encoding: 'utf8' });
    if (bridge.status !== 0) return `bridges cannot be created: ${bridge.stderr.trim()}`;
    // ip netns exec needs to mount /sys for the namespace: some containers forbid it.
    const exec = spawnSync('ip', ['netns', 'exec', probe, 'true'], { encoding: 'utf8' });
    if (exec.error || exec.status !== 0) return `ip netns exec fails here: ${(exec.stderr ?? exec.error?.message ?? '').trim()}`;
  } finally {
    spawnSync('ip', ['netns', 'del', probe]);
  }
  return null;
}
