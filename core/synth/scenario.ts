import { PacketTemplate, type Address } from './packet-template.js';
import { Prng } from './prng.js';
import { SynthPacket, tcpSession, udpPeriodic, ACK, PSH, RST, SYN, type Activity, type Spawn, type Turn } from './sessions.js';
import { GATEWAY, NFS_SERVER, VCENTER, buildHosts, vmkOf, type SynthHost, type VmkRole } from './topology.js';

export const SCENARIOS = ['esxi-mix', 'small-packets', 'tiny-flows'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioOptions {
  seed: number;
  /** Tag frames with their vmk network's VLAN, as seen on a trunk uplink. */
  vlan: boolean;
  hosts: number;
  /** Multiplies transfer sizes: 1 = realistic migrations of hundreds of MB to GB. */
  scale: number;
  /** Connections of the small-packets scenario (and hosts' worth of clients in tiny-flows). */
  flows: number;
}

const MS = 1e6;
const S = 1e9;
/** One-way delay inside a data centre. */
const RTT_NS = 200e3;
/** ESXi's initial IPv4 TTL; a router on the path takes one off. */
const ESXI_TTL = 64;
/** MSS with the TCP timestamps option: MTU - 20 (IP) - 32 (TCP). */
const mssFor = (mtu: number): number => mtu - 52;

function address(mac: readonly number[], ip: readonly number[]): Address {
  return { mac, ip };
}

interface Side {
  addr: Address;
  vlan: number;
  port: number;
}

/**
 * Templates for both directions as captured at the uplink of the `local` end's host. With
 * `routed`, the other end sits behind the gateway: frames to it carry the gateway's MAC, frames
 * from it arrive from the gateway's MAC with one hop taken off ESXi's TTL of 64.
 */
function templates(client: Side, server: Side, protocol: 'tcp' | 'udp', vlanTags: boolean, options: { routed?: boolean; local?: 'client' | 'server'; timestamps?: boolean } = {}) {
  const routed = options.routed ?? false;
  const localIsClient = (options.local ?? 'client') === 'client';
  const vlan = vlanTags ? (localIsClient ? client : server).vlan : null;
  const one = (from: Side, to: Side, fromLocal: boolean): PacketTemplate =>
    new PacketTemplate({
      src: routed && !fromLocal ? address(GATEWAY.mac, from.addr.ip) : from.addr,
      dst: to.addr,
      dstMac: routed && fromLocal ? GATEWAY.mac : undefined,
      vlan,
      ttl: routed && !fromLocal ? ESXI_TTL - 1 : ESXI_TTL,
      protocol,
      srcPort: from.port,
      dstPort: to.port,
      timestamps: options.timestamps,
    });
  return { c2s: one(client, server, localIsClient), s2c: one(server, client, !localIsClient) };
}

function vmkSide(host: SynthHost, role: VmkRole, port: number): Side {
  const v = vmkOf(host, role);
  return { addr: address(v.mac, v.ip), vlan: v.vlan, port };
}

/** Ephemeral source ports, as ESXi's stack hands them out. */
class PortAllocator {
  private next = 49152;
  take(): number {
    const p = this.next;
    this.next = this.next >= 65535 ? 49152 : this.next + 1;
    return p;
  }
}

function* repeat(times: number, turns: Turn[]): Generator<Turn> {
  for (let i = 0; i < times; i++) yield* turns;
}

/**
 * A realistic uplink view of an ESXi cluster: back-to-back vMotions (2-4 jumbo-frame streams on
 * TCP 8000 between vMotion vmks), cold migrations over NFC (TCP 902) between provisioning vmks,
 * vCenter management sessions (TCP 443) and heartbeats (UDP 902) through the gateway, vSAN
 * (TCP 2233) and NFS (TCP 2049) storage traffic.
 */
function esxiMix(o: ScenarioOptions): Activity[] {
  const rng = new Prng(o.seed);
  const hosts = buildHosts(o.hosts);
  const ports = new PortAllocator();
  const isn = (): number => rng.int(0, 0xffffffff);
  const mb = (n: number): number => Math.max(64 * 1024, Math.round(n * 1e6 * o.scale));
  const forever = Number.POSITIVE_INFINITY;
  const activities: Activity[] = [];

  activities.push(
    (function* vmotions(): Activity {
      let t = 50 * MS;
      for (let n = 0; ; n++) {
        const h = hosts.length;
        const src = hosts[n % h];
        const dst = hosts[(n + 1 + (Math.floor(n / h) % (h - 1))) % h];
        // 7.0U2+ auto-tunes 2-4 streams per vmk pair; they share the memory unevenly.
        const streams = rng.int(2, 4);
        const total = mb(rng.int(400, 1600));
        let longest = 0;
        for (let s = 0; s < streams; s++) {
          const bytes = Math.ceil((total / streams) * (0.85 + 0.3 * rng.next()));
          const rate = 8e9 + 1.5e9 * rng.next();
          const start = t + s * 20e3;
          const { c2s, s2c } = templates(vmkSide(src, 'vmotion', ports.take()), vmkSide(dst, 'vmotion', 8000), 'tcp', o.vlan);
          const spawn: Spawn = {
            at: start,
            spawn: tcpSession({ c2s, s2c, start, mss: mssFor(9000), bitsPerSecond: rate, rttNs: RTT_NS, turns: [{ from: 'client', bytes }], ackEvery: 2, clientIsn: isn(), serverIsn: isn() }),
          };
          longest = Math.max(longest, (bytes * 8 * S) / rate);
          yield spawn;
        }
        t += longest + 1.5 * S;
      }
    })(),
  );

  activities.push(
    (function* coldMigrations(): Activity {
      let t = 400 * MS;
      for (let n = 0; ; n++) {
        const src = hosts[(n + 1) % hosts.length];
        const dst = hosts[(n + 2) % hosts.length];
        const bytes = mb(rng.int(64, 256));
        const rate = 1.2e9; // NFC is single-threaded: about 1.3 Gbit/s at best
        const { c2s, s2c } = templates(vmkSide(src, 'provisioning', ports.take()), vmkSide(dst, 'provisioning', 902), 'tcp', o.vlan);
        yield { at: t, spawn: tcpSession({ c2s, s2c, start: t, mss: mssFor(1500), bitsPerSecond: rate, rttNs: RTT_NS, turns: [{ from: 'client', bytes: 600 }, { from: 'server', bytes: 200 }, { from: 'client', bytes }], ackEvery: 2, clientIsn: isn(), serverIsn: isn() }) };
        t += (bytes * 8 * S) / rate + 3 * S;
      }
    })(),
  );

  for (const [i, host] of hosts.entries()) {
    const vcenter = (port: number): Side => ({ addr: address(VCENTER.mac, VCENTER.ip), vlan: vmkOf(host, 'management').vlan, port });
    activities.push(
      (function* managementSessions(): Activity {
        for (let t = 20 * MS + i * 37 * MS; ; t += 2 * S + rng.int(0, 500) * MS) {
          // vCenter (vpxd) opens HTTPS sessions to hostd through the gateway.
          const { c2s, s2c } = templates(vcenter(ports.take()), vmkSide(host, 'management', 443), 'tcp', o.vlan, { routed: true, local: 'server' });
          const turns: Turn[] = [
            { from: 'client', bytes: 517 },
            { from: 'server', bytes: 4200 },
            { from: 'client', bytes: 900, pauseNs: 2 * MS },
            { from: 'server', bytes: 12000 },
          ];
          yield { at: t, spawn: tcpSession({ c2s, s2c, start: t, mss: mssFor(1500), bitsPerSecond: 1e9, rttNs: RTT_NS * 2, turns, ackEvery: 2, clientIsn: isn(), serverIsn: isn() }) };
        }
      })(),
    );
    // vpxa's status heartbeat to vCenter, UDP 902, every 10 s.
    const hb = templates(vmkSide(host, 'management', 5500 + i), vcenter(902), 'udp', o.vlan, { routed: true });
    activities.push(udpPeriodic(hb.c2s, 5 * MS + i * 1.3 * S, 10 * S, 176, forever, () => rng.next()));
    const peer = hosts[(i + 1) % hosts.length];
    const vsan = templates(vmkSide(host, 'vsan', ports.take()), vmkSide(peer, 'vsan', 2233), 'tcp', o.vlan);
    activities.push(
      tcpSession({ c2s: vsan.c2s, s2c: vsan.s2c, start: 30 * MS + i * MS, mss: mssFor(9000), bitsPerSecond: 2e9, rttNs: RTT_NS, turns: repeat(1e9, [{ from: 'client', bytes: 256 * 1024, pauseNs: 4 * MS }, { from: 'server', bytes: 4096 }]), ackEvery: 2, clientIsn: isn(), serverIsn: isn() }),
    );
    const nfs = templates(vmkSide(host, 'nfs', ports.take()), { addr: address(NFS_SERVER.mac, NFS_SERVER.ip), vlan: vmkOf(host, 'nfs').vlan, port: 2049 }, 'tcp', o.vlan);
    activities.push(
      tcpSession({ c2s: nfs.c2s, s2c: nfs.s2c, start: 10 * MS + i * 3 * MS, mss: mssFor(9000), bitsPerSecond: 4e9, rttNs: RTT_NS, turns: repeat(1e9, [{ from: 'client', bytes: 196, pauseNs: 3 * MS }, { from: 'server', bytes: 65536 }]), ackEvery: 2, clientIsn: isn(), serverIsn: isn() }),
    );
  }
  return activities;
}

/**
 * Minimum-size frames for packet-rate benchmarks: 64-byte frames (20-byte TCP header, 10 bytes
 * of payload) round-robin over `flows` connections (1024 by default) between vMotion vmks,
 * 200 ns apart. Many flows with few packets each are the store's and the flow table's worst case.
 */
function* smallPackets(o: ScenarioOptions): Activity {
  const hosts = buildHosts(o.hosts);
  const flows = Math.max(1, o.flows);
  const pairs: { c2s: PacketTemplate; s2c: PacketTemplate; cseq: number; sseq: number }[] = [];
  const rng = new Prng(o.seed);
  for (let f = 0; f < flows; f++) {
    const src = hosts[f % hosts.length];
    const dst = hosts[(f + 1) % hosts.length];
    // Each host pair takes every H-th flow; its k-th flow uses client port 49152 + k, wrapping
    // into 1024-65535, so up to hosts x 64512 flows are distinct (--hosts 16 for a million).
    const port = 1024 + ((48128 + Math.floor(f / hosts.length)) % 64512);
    const t = templates(vmkSide(src, 'vmotion', port), vmkSide(dst, 'vmotion', 8000), 'tcp', o.vlan, { timestamps: false });
    pairs.push({ ...t, cseq: rng.int(0, 0xffffffff), sseq: rng.int(0, 0xffffffff) });
  }
  const p = new SynthPacket();
  p.payload = 10;
  p.flags = ACK;
  for (let n = 0; ; n++) {
    const pair = pairs[n % flows];
    const fromClient = ((n / flows) & 1) === 0;
    p.at = n * 200;
    p.template = fromClient ? pair.c2s : pair.s2c;
    p.seq = fromClient ? pair.cseq : pair.sseq;
    p.ack = fromClient ? pair.sseq : pair.cseq;
    if (fromClient) pair.cseq = (pair.cseq + 10) >>> 0;
    else pair.sseq = (pair.sseq + 10) >>> 0;
    yield p;
  }
}

/**
 * Millions of short connections, the flow table's and the store's worst case: clients across
 * 198.19.0.0/16 open HTTPS to vCenter one after another (SYN, SYN-ACK, a 120-byte request,
 * then the server's RST), 4 packets 1 µs apart, a new connection every 5 µs. Each is over
 * before the next starts. Client k uses address 198.19.(k/256 mod 256).(k mod 256) and port
 * 1024 + k/65536, so 65536 x 64512 connections are distinct.
 */
function* tinyFlows(o: ScenarioOptions): Activity {
  const server: Side = { addr: address(VCENTER.mac, VCENTER.ip), vlan: 11, port: 443 };
  const clientMac = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];
  const p = new SynthPacket();
  const rng = new Prng(o.seed);
  const steps = [
    { c2s: true, flags: SYN, payload: 0 },
    { c2s: false, flags: SYN | ACK, payload: 0 },
    { c2s: true, flags: PSH | ACK, payload: 120 },
    { c2s: false, flags: RST | ACK, payload: 0 },
  ];
  for (let k = 0; ; k++) {
    const client: Side = { addr: address(clientMac, [198, 19, (k >>> 8) & 0xff, k & 0xff]), vlan: 11, port: 1024 + (Math.floor(k / 65536) % 64512) };
    const t = templates(client, server, 'tcp', o.vlan, { timestamps: false });
    let cseq = rng.int(0, 0xffffffff);
    const sseq = rng.int(0, 0xffffffff);
    for (const [i, step] of steps.entries()) {
      p.at = k * 5000 + i * 1000;
      p.template = step.c2s ? t.c2s : t.s2c;
      p.flags = step.flags;
      p.payload = step.payload;
      p.seq = step.c2s ? cseq : sseq + 1;
      p.ack = step.c2s ? sseq + 1 : cseq;
      // SYN takes one sequence number, data its length.
      if (step.c2s) cseq = (cseq + step.payload + (step.flags === SYN ? 1 : 0)) >>> 0;
      yield p;
    }
  }
}

export function scenarioActivities(name: ScenarioName, options: ScenarioOptions): Activity[] {
  if (name === 'small-packets') return [smallPackets(options)];
  if (name === 'tiny-flows') return [tinyFlows(options)];
  return esxiMix(options);
}

