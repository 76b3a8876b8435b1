/**
 * `npm run bench`: vmkscope against its peers on the same generated captures, in one run.
 *
 *   small  5,000,000 packets of 64 bytes (packet rate)
 *   jumbo  ~1 GB of jumbo-frame ESXi traffic (throughput)
 *   stdin  10 GB streamed from the generator into `analyze -` (memory stays flat)
 *   store  `--db` against `--json` on jumbo, database size, UI queries on many flows (store.ts)
 *   live   sustained TCP over a veth captured live by vmkscope and by tcpdump: drops (live.ts)
 *
 * Peers: `tshark -q -z conv,tcp` (the conversation table an analyst would ask Wireshark for) and
 * a pcap-parser loop counting packets and bytes. Every command is timed as a whole process,
 * wall clock, with GNU time's peak RSS. vmkscope runs three times per file (best time counts);
 * peers run once. Options: --quick (smaller files, no 10 GB stream), --keep (keep the files).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, repoPath } from '../helpers/paths.js';
import { best, check, dir, fmtRate, generate, need, TIME, timed, type Run } from './common.js';
import { liveBench } from './live.js';
import { storeBench } from './store.js';

const quick = process.argv.includes('--quick');
const keep = process.argv.includes('--keep');

interface Row {
  file: string;
  tool: string;
  run: Run;
  packets: number;
  bytes: number;
}

/**
 * The pcap-parser peers. `count` only counts packets and frame bytes (pcap-parser's own cost);
 * `conversations` does the task tshark and vmkscope do: TCP conversations with their frames and
 * frame bytes, written the way a Node user would (Ethernet, 802.1Q, IPv4, TCP; string keys).
 */
function pcapParserLoops(): { count: string; conversations: string } {
  const lib = JSON.stringify(repoPath('node_modules/pcap-parser'));
  const count = path.join(dir, 'pcap-parser-count.cjs');
  fs.writeFileSync(
    count,
    `const parser = require(${lib}).parse(process.argv[2]);
let packets = 0, bytes = 0;
parser.on('packet', (p) => { packets++; bytes += p.header.originalLength; });
parser.on('end', () => console.log(packets, bytes));
`,
  );
  const conversations = path.join(dir, 'pcap-parser-conversations.cjs');
  fs.writeFileSync(
    conversations,
    `const parser = require(${lib}).parse(process.argv[2]);
const conversations = new Map();
parser.on('packet', (p) => {
  const d = p.data;
  let off = 14;
  let type = d.readUInt16BE(12);
  while (type === 0x8100 || type === 0x88a8) { type = d.readUInt16BE(off + 2); off += 4; }
  if (type !== 0x0800 || d[off + 9] !== 6) return;
  const t = off + (d[off] & 15) * 4;
  const a = d[off + 12] + '.' + d[off + 13] + '.' + d[off + 14] + '.' + d[off + 15] + ':' + d.readUInt16BE(t);
  const b = d[off + 16] + '.' + d[off + 17] + '.' + d[off + 18] + '.' + d[off + 19] + ':' + d.readUInt16BE(t + 2);
  const key = a < b ? a + ' ' + b : b + ' ' + a;
  const c = conversations.get(key);
  if (c) { c.frames++; c.bytes += p.header.originalLength; }
  else conversations.set(key, { frames: 1, bytes: p.header.originalLength });
});
parser.on('end', () => console.log(conversations.size));
`,
  );
  return { count, conversations };
}

async function main(): Promise<void> {
  need(TIME.split('/').pop()!, 'time');
  need('tshark', 'tshark');
  fs.mkdirSync(dir, { recursive: true });
  const smallPackets = quick ? 1_000_000 : 5_000_000;
  const jumboBytes = quick ? 0.25e9 : 1e9;
  const small = path.join(dir, `small-${smallPackets}.pcap`);
  const jumbo = path.join(dir, `jumbo-${jumboBytes}.pcap`);
  const smallMeta = generate(small, ['--scenario', 'small-packets', '--packets', String(smallPackets)]);
  const jumboMeta = generate(jumbo, ['--bytes', String(jumboBytes)]);
  const loops = pcapParserLoops();
  const node = process.execPath;
  const rows: Row[] = [];
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\n${os.cpus().length} cores (${cpu}), Node ${process.version}, ${spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}\n`);

  for (const [name, file, meta] of [
    ['small', small, smallMeta],
    ['jumbo', jumbo, jumboMeta],
  ] as const) {
    // Page cache warm for everyone: read the file once first.
    spawnSync('sh', ['-c', `cat '${file}' > /dev/null`]);
    const add = (tool: string, run: Run): void => {
      rows.push({ file: name, tool, run, packets: meta.packets, bytes: meta.bytes });
      console.log(`  ${name.padEnd(6)} ${tool.padEnd(26)} ${run.seconds.toFixed(2).padStart(7)} s  ${fmtRate(meta.packets / run.seconds, 'pkt').padStart(13)}  ${fmtRate(meta.bytes / run.seconds, 'B').padStart(11)}  RSS ${run.rssMB.toFixed(0).padStart(5)} MB`);
    };
    add('vmkscope analyze', best(`${node} ${CLI} analyze ${file}`, 3));
    add('vmkscope analyze --hash', best(`${node} ${CLI} analyze ${file} --hash`, 1));
    add('pcap-parser count', timed(`${node} ${loops.count} ${file}`));
    add('pcap-parser conversations', timed(`${node} ${loops.conversations} ${file}`));
    add('tshark -z conv,tcp', timed(`tshark -q -z conv,tcp -r ${file}`));
  }

  let stdin: Run | null = null;
  let streamed = 0;
  if (!quick) {
    streamed = 10e9;
    console.log(`\n  streaming ${(streamed / 1e9).toFixed(0)} GB from the generator into \`vmkscope analyze -\` ...`);
    stdin = timed(`${node} ${CLI} analyze -`, `${node} ${CLI} generate --bytes ${streamed} -o -`);
    console.log(`  stdin  ${(streamed / 1e9).toFixed(0)} GB: ${stdin.seconds.toFixed(1)} s, ${fmtRate(streamed / stdin.seconds, 'B')}, analyzer peak RSS ${stdin.rssMB.toFixed(0)} MB`);
  }

  const get = (file: string, tool: string): Row => rows.find((r) => r.file === file && r.tool === tool)!;
  const s = get('small', 'vmkscope analyze');
  const j = get('jumbo', 'vmkscope analyze');
  const pps = s.packets / s.run.seconds;
  const gbps = j.bytes / j.run.seconds / 1e9;
  const ratio = (file: string, peer: string): number => get(file, peer).run.seconds / get(file, 'vmkscope analyze').run.seconds;
  console.log('\nRatios (peer time / vmkscope time, whole process):');
  for (const file of ['small', 'jumbo']) {
    console.log(
      `  ${file.padEnd(6)} tshark ${ratio(file, 'tshark -z conv,tcp').toFixed(1)}x   pcap-parser conversations ${ratio(file, 'pcap-parser conversations').toFixed(1)}x   pcap-parser count ${ratio(file, 'pcap-parser count').toFixed(1)}x`,
    );
  }
  console.log('\nTargets:');
  console.log(check(pps >= 4e6, `small packets >= 4 M packets/s: ${fmtRate(pps, 'pkt')}`));
  console.log(check(gbps >= 2, `jumbo mix >= 2 GB/s: ${gbps.toFixed(2)} GB/s`));
  console.log(check(ratio('small', 'tshark -z conv,tcp') >= 60, `small >= 60x tshark: ${ratio('small', 'tshark -z conv,tcp').toFixed(1)}x`));
  console.log(check(ratio('jumbo', 'tshark -z conv,tcp') >= 10, `jumbo >= 10x tshark: ${ratio('jumbo', 'tshark -z conv,tcp').toFixed(1)}x`));
  const pp = (file: string): number => ratio(file, 'pcap-parser conversations');
  console.log(check(pp('small') >= 8 && pp('jumbo') >= 8, `>= 8x a pcap-parser conversation loop on both: ${pp('small').toFixed(1)}x, ${pp('jumbo').toFixed(1)}x`));
  const rss = Math.max(s.run.rssMB, j.run.rssMB, stdin?.rssMB ?? 0);
  console.log(check(rss <= 150, `peak RSS <= 150 MB: ${rss.toFixed(0)} MB${stdin ? ` (incl. ${(streamed / 1e9).toFixed(0)} GB through stdin)` : ''}`));

  const storeTargets = await storeBench(jumbo, quick);
  console.log('\nStore targets:');
  for (const line of storeTargets) console.log(line);

  const liveTargets = await liveBench(quick);
  console.log('\nLive capture:');
  for (const line of liveTargets) console.log(line);

  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ when: new Date().toISOString(), rows, stdin, quick }, null, 2));
  if (!keep) for (const f of [small, jumbo]) for (const x of [f, `${f}.json`]) fs.rmSync(x, { force: true });
}

await main();
