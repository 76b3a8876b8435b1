/**
 * Writes the committed seed corpus, test/fuzz/corpus/<target>/: the real captures of
 * test/corpus (copied from ../shared/corpus), small generated captures of every container
 * variant, single frames of every layer combination the corpus holds, the inventory samples of
 * test/inventory and the generated site's inventory. Run it again after adding a format:
 *
 *   npx tsc -b && node dist/test/fuzz/seed-corpus.js
 *
 * Captures are cut to 16 KiB (a capture cut short is read up to the cut, so the head keeps every
 * header and the first records) to keep the corpus small and executions fast.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { CaptureInterface, RecordSink } from '../../core/capture/record-sink.js';
import { sniffContainer } from '../../core/capture/sniff.js';
import { createParser } from '../../core/capture/sniff.js';
import { LINKTYPE_DECODERS } from '../../core/decode/dispatch.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import type { GeneratorOptions } from '../../core/synth/generator.js';
import { buildHosts, siteInventory } from '../../core/synth/topology.js';
import { generate } from '../helpers/generate.js';
import { CORPUS, repoPath } from '../helpers/paths.js';
import { TracingSink } from '../helpers/tracing-sink.js';
import { CORPUS_DIR } from './runner.js';

const HEAD = 16 * 1024;
const MAX_FRAME = 2048;
const LINK_TYPES = [...LINKTYPE_DECODERS.keys()];

const out = new Map<string, Map<string, Uint8Array>>();

function add(target: string, name: string, data: Uint8Array): void {
  let dir = out.get(target);
  if (dir === undefined) out.set(target, (dir = new Map()));
  dir.set(name.replace(/[^A-Za-z0-9._-]+/g, '_'), data);
}

/** Frames of every distinct (link type, layer list) decoding, for the decode target. */
class FrameCollector implements RecordSink {
  private readonly types: number[] = [];
  private readonly tracer = new TracingSink();
  constructor(private readonly seen: Map<string, Uint8Array>) {}
  interface(info: CaptureInterface): void {
    this.types[info.index] = info.linkType;
    this.tracer.interface(info);
  }
  frame(buf: Uint8Array, off: number, capLen: number, origLen: number, sec: number, nsec: number, iface: CaptureInterface, recordOffset: number): void {
    this.tracer.frame(buf, off, capLen, origLen, sec, nsec, iface, recordOffset);
    const layers = this.tracer.frames[this.tracer.frames.length - 1].layers.join(':');
    const index = LINK_TYPES.indexOf(this.types[iface.index]);
    const key = `${this.types[iface.index]}-${layers}`;
    if (index < 0 || this.seen.has(key)) return;
    const frame = buf.subarray(off, off + Math.min(capLen, MAX_FRAME));
    this.seen.set(key, Uint8Array.from([index, origLen > capLen ? 1 : 0, ...frame]));
  }
  opaque(): void {}
  warning(): void {}
  drops(): void {}
}

function collectFrames(data: Uint8Array, seen: Map<string, Uint8Array>): void {
  let bytes = data;
  if (sniffContainer(bytes).kind === 'gzip') bytes = gunzipSync(bytes, { finishFlush: 2 });
  const kind = sniffContainer(bytes).kind;
  if (kind !== 'pcap' && kind !== 'pcapng') return;
  const parser = createParser(kind, new FrameCollector(seen));
  try {
    parser.parse(bytes, 0, bytes.length, 0);
  } catch {
    // A corrupt capture of the corpus: the frames before the corruption were collected.
  }
}

const frames = new Map<string, Uint8Array>();

for (const name of fs.readdirSync(path.join(CORPUS, 'captures')).sort()) {
  const data = new Uint8Array(fs.readFileSync(path.join(CORPUS, 'captures', name)));
  collectFrames(data, frames);
  const kind = sniffContainer(data).kind;
  if (kind === 'gzip') add('gzip', name, data);
  else if (kind === 'pcapng') add('pcapng', name, data.subarray(0, HEAD));
  else add('pcap', name, data.subarray(0, HEAD));
}

const variants: [string, Partial<GeneratorOptions>][] = [
  ['pcap-us-le', { format: 'pcap' }],
  ['pcap-ns-be', { format: 'pcap', nanosecond: true, bigEndian: true }],
  ['pcap-vlan-snap96', { format: 'pcap', vlan: true, snaplen: 96 }],
  ['pcap-erspan1', { erspan: 1, vlan: true, snaplen: 160 }],
  ['pcap-erspan2', { erspan: 2, vlan: true, snaplen: 160 }],
  ['pcap-small-packets', { scenario: 'small-packets', flows: 16 }],
  ['pcapng-us-be', { format: 'pcapng', bigEndian: true, snaplen: 128 }],
  ['pcapng-ns-vlan', { format: 'pcapng', nanosecond: true, vlan: true, snaplen: 128 }],
  ['pcapng-erspan3', { format: 'pcapng', erspan: 3, snaplen: 192 }],
  ['pcapng-loss', { format: 'pcapng', loss: 0.2, snaplen: 128 }],
];
for (const [name, options] of variants) {
  const { data } = generate({ packets: 60, scale: 0.01, ...options });
  collectFrames(data, frames);
  const target = options.format === 'pcapng' ? 'pcapng' : 'pcap';
  add(target, `generated-${name}`, data.subarray(0, HEAD));
  if (name === 'pcap-ns-be' || name === 'pcapng-ns-vlan' || name === 'pcap-erspan2') add('gzip', `generated-${name}.gz`, gzipSync(data.subarray(0, HEAD)));
}

for (const frame of frames.values()) add('decode', createHash('sha256').update(frame).digest('hex').slice(0, 16), frame);

const samples = repoPath('test/inventory/samples');
const sample = (...names: string[]) => names.map((n) => [n, new Uint8Array(fs.readFileSync(path.join(samples, n)))] as const);
const inventories: Record<string, (readonly [string, Uint8Array])[]> = {
  'inventory-esxcli': sample(
    'esx01-session.txt', 'esx01.interfaces.txt', 'esx01.ipv4.txt', 'esx01.tags.txt', 'esx02-esx03-session.txt', 'esx04-csv-session.txt', 'esx04.ipv4.csv',
    'esx05-xml-session.txt', 'esx06-keyvalue-session.txt', 'broken/esx01-readdressed.txt', 'broken/esx01.ipv4-bad-netmask.txt',
    'broken/esx01.ipv4-truncated.txt', 'broken/tags-without-vmk.txt', 'broken/truncated-xml.txt', 'broken/vswitch-list.txt',
  ),
  'inventory-esxcfg-vmknic': sample('esx01.esxcfg-vmknic.txt'),
  'inventory-govc-text': sample('govc-vnic-info.txt'),
  'inventory-govc-json': sample('esx02.vnic-info.json', 'esx03.vnic-info-pascal.json'),
  'inventory-powercli-csv': sample('vmkernel-adapters.csv', 'vmkernel-adapters-notype.csv'),
  'inventory-powercli-netconfig': sample('netconfig.csv', 'broken/netconfig-array.csv'),
  'inventory-canonical-yaml': sample('canonical.yaml', 'site-overlay.yaml', 'broken/bad-values.yaml', 'broken/malformed.yaml'),
  'inventory-canonical-json': sample('canonical.json', 'broken/malformed.json'),
};
for (const [target, files] of Object.entries(inventories)) for (const [name, data] of files) add(target, name, data);
const site = siteInventory(buildHosts(4));
add('inventory-canonical-yaml', 'generated-site.yaml', Buffer.from(inventoryToYaml(site)));
add('inventory-canonical-json', 'generated-site.json', Buffer.from(JSON.stringify({ hosts: site.hosts, vcenters: site.vcenters, gateways: site.gateways }, null, 2)));

add('policy', 'docs-example.yaml', Buffer.from('gateway:\n  forbid: [vmotion, cold, udt]\n  gateways: [edge-fw]\nunknownEndpoints: fail\n'));
add('policy', 'forbid-cold.json', Buffer.from('{"gateway": {"forbid": ["cold"]}, "unknownEndpoints": "warn"}\n'));
add('policy', 'empty-gateway.yaml', Buffer.from('gateway:\n  forbid: []\n'));

fs.rmSync(CORPUS_DIR, { recursive: true, force: true });
let total = 0;
for (const [target, files] of [...out].sort()) {
  const dir = path.join(CORPUS_DIR, target);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, data] of files) {
    fs.writeFileSync(path.join(dir, name), data);
    total += data.length;
  }
  console.log(`${target}: ${files.size} seeds`);
}
console.log(`${(total / 1024).toFixed(0)} KiB in ${CORPUS_DIR}`);
