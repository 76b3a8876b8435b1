/**
 * The live-capture part of `npm run bench`, in a namespace lab (test/lab), two loads:
 *
 * - tcp: sustained TCP between two namespaces over a veth (MTU 1500, frames as a NIC sends
 *   them), the rate the kernel reaches with a sender, a receiver and the capture sharing this
 *   machine's two cores;
 * - flood: 64-byte frames of a generated vMotion capture injected into the veth as fast as one
 *   core can send them (pcap_inject), a packet rate TCP does not reach here.
 *
 * Each is captured by `vmkscope capture --interface` (libpcap, every frame analysed as it
 * arrives, rolling updates in SQLite) and, on the same load, by tcpdump writing to /dev/null with
 * the same 64 MiB ring: packets captured, libpcap's received and dropped counts, the rate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnalysisReport } from '../../core/contract/report.js';
import { listNetworkInterfaces } from '../../native/sources/live-interface.js';
import { CLI, repoPath } from '../helpers/paths.js';
import { BLOCK_TIMEOUT_MS, startCapture } from '../lab/capture.js';
import { Lab, labUnavailable } from '../lab/netns.js';
import { runClient, startServer, type ConnectionSpec } from '../lab/traffic.js';
import { check, dir, generate } from './common.js';

const A = '198.18.20.11';
const MAC_A = '00:50:56:6a:20:11';
const B = '198.18.20.12';
const STREAMS = 4;

/** A load: runs it once and says how long it took and how many bytes (frame or payload) it moved. */
type Load = (lab: Lab) => Promise<{ seconds: number; bytes: number }>;

interface Result {
  load: string;
  tool: string;
  seconds: number;
  bytes: number;
  /** Frames of the transfers: what a capture should see. */
  captured: number | null;
  received: number | null;
  dropped: number | null;
  /** vmkscope's own CPU time (user + system) per packet received, in µs, while the load ran. */
  cpuMicros?: number;
}

/** CPU seconds (user + system) a process used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function tcpLoad(perStream: number): Load {
  return async (lab) => {
    const connections: ConnectionSpec[] = Array.from({ length: STREAMS }, (_, i) => ({ label: `s${i}`, from: A, to: B, port: 8000, bytes: perStream }));
    const server = await startServer(lab, 'esx-b', { listen: [{ ip: B, port: 8000 }], connections: STREAMS, timeoutMs: 300_000 });
    const t = performance.now();
    const sent = await runClient(lab, 'esx-a', { connections, timeoutMs: 300_000 });
    const seconds = (performance.now() - t) / 1000;
    await server.done;
    return { seconds, bytes: sent.reduce((s, c) => s + c.acked, 0) };
  };
}

/**
 * Sends every frame of a classic pcap out of an interface with pcap_inject, as fast as it can,
 * addressed to the capturing vmk's MAC: the generated frames' own MACs all enter the bridge on
 * one port, which would learn them there and forward nothing.
 */
const INJECTOR = `const binding = require(process.argv[2]);
const frames = require('fs').readFileSync(process.argv[4]);
const to = Buffer.from(process.argv[5].split(':').map((h) => parseInt(h, 16)));
const s = new binding.PcapSession();
s.open_live(process.argv[3], '', 1 << 20, 65535, '', () => {}, false, 1000, () => {}, false);
let off = 24, n = 0, bytes = 0;
const t = process.hrtime.bigint();
while (off + 16 <= frames.length) {
  const len = frames.readUInt32LE(off + 8);
  to.copy(frames, off + 16);
  s.inject(frames.subarray(off + 16, off + 16 + len));
  off += 16 + len; n++; bytes += len;
}
console.log(JSON.stringify({ packets: n, bytes, seconds: Number(process.hrtime.bigint() - t) / 1e9 }));
`;

function floodLoad(file: string): Load {
  const script = path.join(dir, 'inject.cjs');
  fs.writeFileSync(script, INJECTOR);
  return (lab) =>
    new Promise((resolve, reject) => {
      // From esx-b's side: the frames cross the bridge and arrive on esx-a's vmk1, where the capture runs.
      const child = lab.spawn('esx-b', process.execPath, [script, repoPath('node_modules/pcap/build/Release/pcap_binding.node'), 'vmk1', file, MAC_A]);
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { seconds: number; bytes: number }) : reject(new Error(`injector: ${err}`))));
    });
}

async function vmkscope(lab: Lab, load: string, run: Load, tool: string, extra: string[]): Promise<Result> {
  const json = path.join(dir, 'live-bench.json');
  const db = path.join(dir, 'live-bench.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const child = lab.spawn('esx-a', process.execPath, [CLI, 'capture', '--interface', 'vmk1', '--db', db, '--json', json, '--no-progress', ...extra]);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  while (!stderr.includes('capturing from')) {
    if (child.exitCode !== null) throw new Error(`vmkscope capture failed: ${stderr}`);
    await sleep(20);
  }
  const cpu = cpuSeconds(child.pid!);
  const t = await run(lab);
  await sleep(300);
  const used = cpuSeconds(child.pid!) - cpu;
  child.kill('SIGINT');
  if ((await exited) !== 0) throw new Error(`vmkscope capture failed: ${stderr}`);
  const m = /libpcap: ([\d,]+) packets received by the filter, ([\d,]+) dropped by the kernel/.exec(stderr)!;
  const n = (s: string): number => Number(s.replaceAll(',', ''));
  const report = JSON.parse(fs.readFileSync(json, 'utf8')) as AnalysisReport;
  return { load, tool, ...t, captured: report.captures[0].packets, received: n(m[1]), dropped: n(m[2]), cpuMicros: (1e6 * used) / Math.max(1, n(m[1])) };
}

async function tcpdump(lab: Lab, load: string, run: Load, tool: string, snaplen: number): Promise<Result> {
  const running = await startCapture(lab, 'esx-a', 'vmk1', '/dev/null', { bufferKiB: 65536, snaplen });
  const t = await run(lab);
  // tcpdump's ring blocks are handed over after its 1 s timeout (test/lab/capture.ts).
  await sleep(BLOCK_TIMEOUT_MS);
  const s = await running.stop();
  return { load, tool, ...t, captured: s.captured, received: s.receivedByFilter, dropped: s.droppedByKernel };
}

/** Runs the live-capture bench; returns its target lines (or why it was skipped). */
export async function liveBench(quick: boolean): Promise<string[]> {
  const unavailable = labUnavailable();
  if (unavailable !== null) return [`SKIP  live capture: ${unavailable}`];
  try {
    listNetworkInterfaces();
  } catch (err) {
    return [`SKIP  live capture: ${(err as Error).message}`];
  }
  const perStream = quick ? 100e6 : 250e6;
  const floodPackets = quick ? 1_000_000 : 2_000_000;
  const flood = path.join(dir, `flood-${floodPackets}.pcap`);
  generate(flood, ['--scenario', 'small-packets', '--packets', String(floodPackets)]);
  const lab = new Lab();
  const results: Result[] = [];
  try {
    lab.build({
      nodes: [
        { name: 'esx-a', interfaces: [{ device: 'vmk1', segment: 'vmotion', mac: MAC_A, cidr: `${A}/24`, mtu: 1500 }] },
        { name: 'esx-b', interfaces: [{ device: 'vmk1', segment: 'vmotion', mac: '00:50:56:6b:20:12', cidr: `${B}/24`, mtu: 1500 }] },
      ],
    });
    const show = (r: Result): void => {
      const counts =
        r.received === null
          ? ''
          : `  received ${r.received.toLocaleString('en-US').padStart(9)}  captured ${r.captured!.toLocaleString('en-US').padStart(9)}  dropped ${r.dropped!.toLocaleString('en-US').padStart(9)} (${((100 * r.dropped!) / Math.max(1, r.received)).toFixed(2).padStart(5)}%)  ${(r.received / r.seconds / 1e3).toFixed(0).padStart(4)} kpkt/s`;
      const cpu = r.cpuMicros === undefined ? '' : `  CPU ${r.cpuMicros.toFixed(2)} µs/pkt`;
      console.log(`  ${r.load.padEnd(5)}  ${r.tool.padEnd(36)} ${((8 * r.bytes) / r.seconds / 1e9).toFixed(2).padStart(5)} Gbit/s${counts}${cpu}`);
      results.push(r);
    };
    const loads: [string, Load, string][] = [
      ['tcp', tcpLoad(perStream), `${STREAMS} TCP streams of ${(perStream / 1e6).toFixed(0)} MB over a veth (MTU 1500)`],
      ['flood', floodLoad(flood), `${floodPackets.toLocaleString('en-US')} 64-byte frames injected into the veth at full speed`],
    ];
    for (const [load, run, what] of loads) {
      console.log(`\n  live capture, ${load}: ${what}; rate = the load's own while captured`);
      show({ load, tool: 'load alone (no capture)', ...(await run(lab)), captured: null, received: null, dropped: null });
      show(await vmkscope(lab, load, run, 'vmkscope capture', []));
      show(await vmkscope(lab, load, run, 'vmkscope capture --snaplen 128', ['--snaplen', '128']));
      show(await vmkscope(lab, load, run, 'vmkscope capture --save FILE', ['--save', path.join(dir, 'live-bench.pcapng')]));
      show(await tcpdump(lab, load, run, 'tcpdump -B 65536 -w /dev/null', 0));
      show(await tcpdump(lab, load, run, 'tcpdump -B 65536 -s 128 -w /dev/null', 128));
    }
  } finally {
    await lab.teardown();
    fs.rmSync(path.join(dir, 'live-bench.pcapng'), { force: true });
  }
  const rate = (load: string, tool: string): number => {
    const r = results.find((x) => x.load === load && x.tool === tool)!;
    return r.dropped! / Math.max(1, r.received!);
  };
  const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
  return [
    check(rate('tcp', 'vmkscope capture') === 0, `vmkscope keeps up with sustained TCP on the veth (nothing dropped): ${pct(rate('tcp', 'vmkscope capture'))} dropped`),
    ...['vmkscope capture', 'vmkscope capture --snaplen 128'].map((tool, i) => {
      const peer = ['tcpdump -B 65536 -w /dev/null', 'tcpdump -B 65536 -s 128 -w /dev/null'][i];
      return check(rate('flood', tool) <= rate('flood', peer) + 0.01, `flood: ${tool} drops no more than ${peer} (+1 point): ${pct(rate('flood', tool))} vs ${pct(rate('flood', peer))}`);
    }),
  ];
}
