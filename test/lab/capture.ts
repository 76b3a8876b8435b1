/**
 * tcpdump on a lab host's interfaces (its "uplinks"), one capture file per interface, merged in
 * time order into one capture. Frames keep the name of the interface they were captured on, so
 * the rewritten variants (rewrite.ts) can tag or describe them by originating vmk.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { CaptureInterface, RecordSink } from '../../core/capture/record-sink.js';
import { readCapture } from '../../native/sources/capture-reader.js';
import type { Lab } from './netns.js';
import type { LabFrame } from './rewrite.js';

export interface CaptureStats {
  captured: number;
  receivedByFilter: number;
  droppedByKernel: number;
}

/**
 * tcpdump's libpcap timeout (1000 ms) plus a margin: after this long without traffic the kernel
 * has retired the last, partly filled ring block and tcpdump has written its packets. Stopping
 * earlier loses them (seen here as "84 packets received by filter, 0 packets captured").
 */
export const BLOCK_TIMEOUT_MS = 1300;

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface RunningCapture {
  iface: string;
  file: string;
  stop(): Promise<CaptureStats>;
}

/** tcpdump's ring (-B, KiB) and snap length (-s) where a caller needs others than the lab's. */
export interface CaptureOptions {
  bufferKiB?: number;
  snaplen?: number;
}

/** Start tcpdump on `iface` inside `node`'s namespace; resolves once it is listening. */
export function startCapture(lab: Lab, node: string, iface: string, file: string, options: CaptureOptions = {}): Promise<RunningCapture> {
  return new Promise((resolve, reject) => {
    // -s 0: whole frames; -U: each packet written as soon as tcpdump has it; -B: a 16 MB ring
    // so bursts of a local transfer are not dropped; -Z root: never switch to the tcpdump user,
    // who could not write into a root-only temp folder; nanosecond timestamps: the finest the
    // kernel gives. Not --immediate-mode: that makes libpcap use a TPACKET_V2 ring of
    // snaplen-sized slots (256 KiB each with -s 0 on an interface with offloads), 64 slots in
    // 16 MB, and a 4 MB transfer overflowed it. Without it packets wait in TPACKET_V3 blocks
    // that the kernel hands over when full or after tcpdump's 1 s timeout: see BLOCK_TIMEOUT_MS.
    const child: ChildProcess = lab.spawn(node, 'tcpdump', ['-i', iface, '-s', String(options.snaplen ?? 0), '-U', '-B', String(options.bufferKiB ?? 16384), '-Z', 'root', '-n', '--time-stamp-precision=nano', '-w', file]);
    let stderr = '';
    let listening = false;
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!listening && stderr.includes('listening on')) {
        listening = true;
        resolve({
          iface,
          file,
          stop: async () => {
            child.kill('SIGINT');
            // tcpdump exits at once on SIGINT; if it does not, do not hang the suite.
            const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
            const code = await exited;
            clearTimeout(force);
            if (code !== 0) throw new Error(`tcpdump on ${iface} exited ${code}: ${stderr.trim()}`);
            const count = (what: string): number => {
              const m = new RegExp(`(\\d+) packets? ${what}`).exec(stderr);
              if (m === null) throw new Error(`tcpdump on ${iface} did not report "${what}": ${stderr.trim()}`);
              return Number(m[1]);
            };
            return { captured: count('captured'), receivedByFilter: count('received by filter'), droppedByKernel: count('dropped by kernel') };
          },
        });
      }
    });
    const late = setTimeout(() => {
      if (!listening) child.kill('SIGKILL');
    }, START_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(late);
      if (!listening) reject(new Error(`tcpdump on ${iface} in ${node} exited ${code} before listening: ${stderr.trim()}`));
    });
  });
}

/** The frames of one capture file, tagged with the interface they were captured on. */
export async function readFrames(file: string, iface: string): Promise<LabFrame[]> {
  const frames: LabFrame[] = [];
  const sink: RecordSink = {
    interface: (_info: CaptureInterface) => undefined,
    opaque: () => undefined,
    warning: (message) => {
      throw new Error(`${file}: ${message}`);
    },
    drops: () => undefined,
    // The reader hands out a view into its buffer: copy what we keep.
    frame: (buf, off, capLen, origLen, sec, nsec) => frames.push({ sec, nsec, iface, data: buf.slice(off, off + capLen), origLen }),
  };
  await readCapture(file, () => sink, { hash: false });
  return frames;
}

/**
 * Merge per-interface captures in time order, as mergecap does: repeatedly take the earliest
 * next frame among the files (the first file on a tie), so each file keeps its own order. A
 * global sort would not: the kernel's timestamps within one interface go backwards by some
 * 100 ns now and then (packets timestamped on different CPUs), and a capture's own order is
 * the order the packets were seen.
 */
export async function mergeCaptures(files: readonly { iface: string; file: string }[]): Promise<LabFrame[]> {
  const lists: LabFrame[][] = [];
  for (const f of files) lists.push(await readFrames(f.file, f.iface));
  const next = lists.map(() => 0);
  const out: LabFrame[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const f = lists[i][next[i]];
      if (f === undefined) continue;
      const b = best < 0 ? undefined : lists[best][next[best]];
      if (b === undefined || f.sec < b.sec || (f.sec === b.sec && f.nsec < b.nsec)) best = i;
    }
    if (best < 0) return out;
    out.push(lists[best][next[best]++]);
  }
}

/** mergecap's time-ordered merge of the same files, as an independent check of ours. */
export function mergecap(files: readonly string[], out: string): void {
  const r = spawnSync('mergecap', ['-F', 'nsecpcap', '-w', out, ...files], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`mergecap failed: ${r.error?.message ?? r.stderr}`);
  if (!fs.existsSync(out)) throw new Error('mergecap wrote nothing');
}
