import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Why tshark cannot serve as an oracle here, or null when it can. */
export function tsharkMissing(): string | null {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'tshark is not installed (Debian package tshark); .ci/run installs it';
  return null;
}

/** The corpus's tshark fields (test/corpus/tools/regen-expected.sh). */
export const TSHARK_FIELDS = [
  'frame.number', 'frame.len', 'frame.cap_len', 'frame.time_epoch', 'eth.src', 'eth.dst', 'vlan.id', 'ip.src', 'ip.dst',
  'ipv6.src', 'ipv6.dst', 'ip.ttl', 'ip.proto', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'erspan.spanid', 'gre.proto',
];
export const TSHARK_EXTRA = [
  'frame.number', 'frame.interface_id', 'frame.encap_type', 'frame.protocols', 'ieee8021ad.id', 'erspan.version', 'gre.key',
  'gre.sequence_number', 'ip.id', 'ip.flags.mf', 'ip.frag_offset', 'ipv6.nxt', 'tcp.stream', 'udp.stream',
];

/** Run tshark on `file` with preferences at their defaults, as the corpus oracle was made. */
export function tshark(file: string, args: string[]): string {
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'vmkscope-wireshark-'));
  try {
    const r = spawnSync('tshark', ['-r', file, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, LC_ALL: 'C', WIRESHARK_CONFIG_DIR: config },
    });
    if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
    return r.stdout;
  } finally {
    fs.rmSync(config, { recursive: true, force: true });
  }
}

export function tsharkFields(file: string, fields: string[]): string {
  return tshark(file, ['-T', 'fields', '-E', 'header=y', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])]);
}
