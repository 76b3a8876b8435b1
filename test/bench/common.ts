/** What the bench scripts share: where files go, how a command is timed, generated inputs. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/paths.js';

export const dir = path.join(os.tmpdir(), 'vmkscope-bench');
export const TIME = '/usr/bin/time';

export interface Run {
  seconds: number;
  rssMB: number;
}

export function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`bench: ${cmd} is missing (Debian package ${pkg})`);
    process.exit(2);
  }
}

/**
 * Run `command` (a program and its arguments, no shell) under GNU time, output discarded, after
 * an optional shell `feed` piped into it; returns wall seconds and the program's peak RSS.
 */
export function timed(command: string, feed = ''): Run {
  const result = path.join(dir, 'time.txt');
  const r = spawnSync('sh', ['-c', `${feed ? `${feed} | ` : ''}${TIME} -f '%e %M' -o ${result} ${command} > /dev/null`], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`failed: ${command}\n${r.stderr}`);
  const m = /([\d.]+) (\d+)\s*$/.exec(fs.readFileSync(result, 'utf8'));
  if (!m) throw new Error(`could not time: ${command}`);
  return { seconds: Number(m[1]), rssMB: Number(m[2]) / 1024 };
}

/** The fastest of `times` runs; `before` runs ahead of each (e.g. removing a database). */
export function best(command: string, times: number, before?: () => void): Run {
  const runs = Array.from({ length: times }, () => {
    before?.();
    return timed(command);
  });
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

export function generate(file: string, args: string[]): { packets: number; bytes: number } {
  const meta = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(meta)) return JSON.parse(fs.readFileSync(meta, 'utf8')) as { packets: number; bytes: number };
  process.stdout.write(`generating ${file} ... `);
  const r = spawnSync(process.execPath, [CLI, 'generate', ...args, '-o', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const [, packets, bytes] = /wrote (\d+) packets \((\d+) bytes\)/.exec(r.stderr)!.map(Number);
  fs.writeFileSync(meta, JSON.stringify({ packets, bytes }));
  console.log(`${packets} packets, ${(bytes / 1e9).toFixed(2)} GB`);
  return { packets, bytes };
}

export function fmtRate(v: number, unit: string): string {
  return v >= 1e9 ? `${(v / 1e9).toFixed(2)} G${unit}/s` : v >= 1e6 ? `${(v / 1e6).toFixed(2)} M${unit}/s` : `${(v / 1e3).toFixed(1)} k${unit}/s`;
}

export function check(ok: boolean, text: string): string {
  return `${ok ? 'PASS' : 'MISS'}  ${text}`;
}

