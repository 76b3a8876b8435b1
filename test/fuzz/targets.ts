/**
 * What the fuzzer runs, and what counts as a failure (the oracles).
 *
 * Capture targets (pcap, pcapng, gzip) go through the real reader on a file, then the whole
 * pipeline an analysis takes: report, verification, the HTML/CSV/JSON writers and a round trip
 * through the SQLite store. A rejection must be a CaptureInputError whose message names the file
 * and the byte offset, with an offset inside the input; anything else thrown is a crash. The
 * decode target feeds single frames of every link type to the decoders (with and without the
 * tshark-named trace). Inventory targets load pasted host output or canonical files; the policy
 * target reads a policy. Every report must be sane: no NaN or infinite number, every frame
 * accounted for, no markup from the input in the HTML.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { CaptureInterface } from '../../core/capture/record-sink.js';
import { CaptureInputError } from '../../core/contract/errors.js';
import type { Inventory, InventoryProblem } from '../../core/contract/inventory.js';
import type { AnalysisReport } from '../../core/contract/report.js';
import { LINKTYPE_DECODERS } from '../../core/decode/dispatch.js';
import { loadInventory } from '../../core/inventory/load.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import { csvTables, flowCsvRow } from '../../core/report/csv.js';
import { FlowDigest } from '../../core/report/digest.js';
import { htmlReport } from '../../core/report/html.js';
import { reportJsonPieces } from '../../core/report/json.js';
import { buildHosts, siteInventory } from '../../core/synth/topology.js';
import type { Prng } from '../../core/synth/prng.js';
import { DEFAULT_POLICY } from '../../core/verify/policy.js';
import { parsePolicy } from '../../core/verify/policy-file.js';
import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { analyzeToReport, buildReport, headOf, saveReport, verify } from '../helpers/report.js';
import { toolInfo } from '../../native/engine/tool-info.js';
import { AnalysisStore } from '../../native/store/analysis-store.js';
import { generate } from '../helpers/generate.js';
import { TracingSink } from '../helpers/tracing-sink.js';
import { BINARY_TOKENS, mutateBytes } from './mutate.js';

/** An oracle's verdict on an input that did not crash but was handled wrongly. */
export class OracleFailure extends Error {
  override readonly name = 'OracleFailure';
}

export interface FuzzTarget {
  readonly name: string;
  readonly what: string;
  readonly kind: 'binary' | 'text';
  readonly maxBytes: number;
  /** Binary mutations that know the pcap/pcapng layout. */
  readonly structured: boolean;
  /** A mutation of its own (gzip: mutate the decompressed capture, then compress it again). */
  mutate?(input: Uint8Array, rng: Prng, others: readonly Uint8Array[]): Uint8Array;
  /** Resolves when the input was handled correctly; throws OracleFailure or crashes otherwise. */
  run(input: Uint8Array): Promise<void>;
}

const HTML_META = { commandLine: 'vmkscope fuzz', generatedAt: '2026-01-01T00:00:00Z' };
/** The elements and attributes the HTML report writes itself; anything else came from an input. */
const REPORT_TAGS = new Set(['a', 'b', 'body', 'br', 'div', 'h1', 'h2', 'h3', 'head', 'html', 'li', 'line', 'meta', 'p', 'rect', 'span', 'style', 'svg', 'table', 'tbody', 'td', 'text', 'th', 'thead', 'title', 'tr', 'ul']);
const REPORT_ATTRIBUTES = new Set(['aria-label', 'charset', 'class', 'colspan', 'content', 'height', 'href', 'id', 'lang', 'name', 'role', 'text-anchor', 'width', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'viewbox']);

/**
 * Markup that is live in the HTML report: an element or attribute the report does not write, an
 * event handler, a link that leaves the page. Text from captures and inventories is escaped, so
 * no tag can come from it; this finds the first place where one did. Null when there is none.
 */
export function liveMarkup(html: string): string | null {
  for (const tag of html.matchAll(/<([A-Za-z][A-Za-z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const name = tag[1].toLowerCase();
    if (!REPORT_TAGS.has(name)) return tag[0];
    for (const attr of tag[2].matchAll(/([^\s=/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)) {
      const key = attr[1].toLowerCase();
      if (!REPORT_ATTRIBUTES.has(key)) return tag[0];
      if (key === 'href' && !/^"#[^"]*"$/.test(attr[2] ?? '')) return tag[0];
    }
  }
  return null;
}

function fail(message: string): never {
  throw new OracleFailure(message);
}

/** Every number finite: a NaN or Infinity in a report is a silently wrong figure. */
function checkNumbers(value: unknown, where: string): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`${where} is ${value}`);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkNumbers(value[i], `${where}[${i}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkNumbers(v, `${where}.${k}`);
  }
}

/** The report's own arithmetic, and its writers, on whatever the input made of it. */
export function checkReport(report: AnalysisReport): void {
  checkNumbers(report, 'report');
  report.captures.forEach((c, i) => {
    const inFlows = report.flows.filter((f) => f.capture === i).reduce((s, f) => s + f.packets, 0);
    const accounted = inFlows + c.nonFlowFrames + c.undecodedFrames + c.customBlocks;
    if (accounted !== c.packets) fail(`capture ${i}: ${c.packets} frames, but flows (${inFlows}) + non-flow + undecoded + custom blocks = ${accounted}`);
    if ((c.start === null) !== (c.end === null)) fail(`capture ${i}: start ${c.start} but end ${c.end}`);
  });
  for (const f of report.flows) if (f.packets < 1 || f.bytes < 0 || f.payloadBytes < 0) fail(`flow ${f.id}: ${f.packets} packets, ${f.bytes} bytes, ${f.payloadBytes} payload bytes`);
  const flows = report.flows;
  const head = headOf(report);
  const digest = new FlowDigest(head);
  for (const f of flows) digest.add(f);
  const live = liveMarkup(htmlReport(head, digest, HTML_META));
  if (live !== null) fail(`the HTML report holds live markup from the input: ${live.slice(0, 200)}`);
  csvTables(head);
  for (const f of flows) flowCsvRow(head, f);
  for (const piece of reportJsonPieces(head, flows)) if (piece.length === 0) fail('an empty JSON piece');
}

/** A rejection must name the file and the byte offset, and the offset must lie in the input. */
function checkInputError(err: CaptureInputError, file: string, limit: number): void {
  if (!err.message.startsWith(`${file}: `)) fail(`error without the file name: ${err.message}`);
  if (err.offset < 0) fail(`error without a byte offset: ${err.message}`);
  if (!/ at byte \d+/.test(err.message)) fail(`error message without "at byte N": ${err.message}`);
  if (err.offset > limit) fail(`error offset ${err.offset} beyond the ${limit} bytes of input: ${err.message}`);
  const artefact = artefactIn(err.message, '');
  if (artefact !== null) fail(`error message with "${artefact}" in it: ${err.message}`);
}

/** Words a message shows when code printed a value it did not have (unless the input holds them). */
function artefactIn(message: string, input: string): string | null {
  for (const word of ['undefined', 'NaN', '[object ', 'Infinity']) if (message.includes(word) && !input.includes(word)) return word;
  return null;
}

let scratchDir: string | null = null;
let scratchFiles = 0;

/** Where targets write their inputs (the real reader reads files and pipes, not buffers). */
export function useScratchDir(dir: string): void {
  scratchDir = dir;
}

function scratchFile(): string {
  if (scratchDir === null) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmkscope-fuzz-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    scratchDir = dir;
  }
  return path.join(scratchDir, `input-${++scratchFiles}`);
}

let store: AnalysisStore | null = null;

async function runCapture(file: string, input: Uint8Array): Promise<void> {
  fs.writeFileSync(file, input);
  let report: AnalysisReport;
  try {
    ({ report } = await analyzeToReport({ captures: [file], hash: true }));
  } catch (err) {
    if (!(err instanceof CaptureInputError)) throw err;
    let limit = input.length;
    if (err.decompressed) {
      try {
        limit = gunzipSync(input, { finishFlush: 2 /* Z_SYNC_FLUSH: accept a cut stream */ }).length;
      } catch {
        limit = Infinity;
      }
    }
    checkInputError(err, file, limit);
    return;
  }
  checkReport(report);
  store ??= AnalysisStore.open(':memory:');
  const id = store.begin([file], report.tool.version);
  saveReport(store, id, report, `fuzz-${id}`, null);
  const back = store.report(id);
  if (back.flows.length !== report.flows.length) fail(`the store gave back ${back.flows.length} of ${report.flows.length} flows`);
  store.queryFlows({ analysisId: id, limit: 50 });
  store.matrix(id);
  store.delete(id);
}

function captureTarget(name: string, what: string): FuzzTarget {
  let file: string | null = null;
  return {
    name,
    what,
    kind: 'binary',
    maxBytes: 256 * 1024,
    structured: true,
    run: (input) => runCapture((file ??= scratchFile()), input),
  };
}

/** gzip: half the time the compressed bytes, half the time the capture inside, compressed again. */
function gzipTarget(): FuzzTarget {
  const base = captureTarget('gzip', 'gzip-compressed pcap and pcapng through the real reader');
  return {
    ...base,
    mutate(input, rng, others) {
      if (rng.next() < 0.5) return mutateBytes(input, rng, others, BINARY_TOKENS, base.maxBytes, false);
      let inner: Uint8Array;
      try {
        inner = gunzipSync(input, { finishFlush: 2 });
      } catch {
        return mutateBytes(input, rng, others, BINARY_TOKENS, base.maxBytes, false);
      }
      const mutated = mutateBytes(inner, rng, [], BINARY_TOKENS, base.maxBytes, true);
      const packed = gzipSync(mutated, { level: rng.int(1, 9) });
      const form = rng.int(0, 3);
      // Multi-member streams, streams cut short, trailing garbage.
      if (form === 0) return Buffer.concat([packed, gzipSync(mutated.subarray(0, rng.int(0, mutated.length)))]);
      if (form === 1) return packed.subarray(0, rng.int(10, packed.length));
      if (form === 2) return Buffer.concat([packed, Buffer.from([rng.int(0, 255), rng.int(0, 255), 0x1f, 0x8b])]);
      return packed;
    },
  };
}

const LINK_TYPES = [...LINKTYPE_DECODERS.keys()];

/**
 * One frame per input: byte 0 picks the link type, byte 1 whether the frame was sliced by a
 * snaplen (origLen > capLen), the rest is the frame. It is decoded with the tshark-named trace
 * and without, then turned into flow records.
 */
function decodeTarget(): FuzzTarget {
  return {
    name: 'decode',
    what: 'every decoder through every link type (Ethernet, SLL, SLL2, raw IP, IPv4, IPv6, NULL, LOOP)',
    kind: 'binary',
    // A whole record's worth (256 KiB): enough room for headers nested thousands deep.
    maxBytes: 262144 + 2,
    structured: false,
    async run(input) {
      if (input.length < 2) return;
      const linkType = LINK_TYPES[input[0] % LINK_TYPES.length];
      const frame = input.subarray(2);
      const origLen = frame.length + (input[1] & 1 ? input[1] * 4 : 0);
      const iface: CaptureInterface = { index: 0, section: 0, idInSection: 0, linkType, snaplen: 0, timeDigits: 6, name: null };
      const traced = new TracingSink();
      traced.interface(iface);
      traced.frame(frame, 0, frame.length, origLen, 1768471200, 5000, iface, 0);
      const plain = new CaptureAnalysis();
      plain.interface(iface);
      plain.frame(frame, 0, frame.length, origLen, 1768471200, 5000, iface, 24);
      plain.frame(frame, 0, frame.length, origLen, 1768471201, 0, iface, 64);
      if (traced.analysis.packet.wireLen !== plain.packet.wireLen) fail(`the trace changed the decoding: wireLen ${traced.analysis.packet.wireLen} vs ${plain.packet.wireLen}`);
      for (const analysis of [traced.analysis, plain]) {
        checkReport(buildReport(toolInfo(), [{ file: 'frame', format: 'pcap', compression: 'none', size: 0, sha256: null, analysis }]));
      }
    },
  };
}

let baseReport: AnalysisReport | null = null;

/** A small generated capture of the synthetic site, verified against each fuzzed inventory. */
async function siteReport(): Promise<AnalysisReport> {
  if (baseReport === null) {
    const file = scratchFile();
    fs.writeFileSync(file, generate({ packets: 600, scale: 0.02, vlan: true }).data);
    baseReport = (await analyzeToReport({ captures: [file] })).report;
  }
  return structuredClone(baseReport);
}

const INPUT_NAME = 'esx-fuzz.txt';

/** Problems and warnings point into the input: its name and a line it has. */
function checkProblems(list: InventoryProblem[], name: string, text: string): void {
  // Lines as the importers count them: CR, LF and CRLF all end one.
  const lines = text.split(/\r\n?|\n/).length;
  for (const p of list) {
    if (p.file !== name) fail(`a problem names file ${p.file}, not ${name}: ${p.message}`);
    if (p.line !== null && !(Number.isInteger(p.line) && p.line >= 1 && p.line <= lines + 1)) fail(`a problem at line ${p.line} of a ${lines}-line input: ${p.message}`);
    if (typeof p.message !== 'string' || p.message.trim() === '') fail(`an empty problem message`);
    const artefact = artefactIn(p.message, text);
    if (artefact !== null) fail(`a problem message with "${artefact}" in it, which the input does not hold: ${p.message}`);
  }
}

function decodeText(input: Uint8Array): string {
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
}

function inventoryTarget(name: string, what: string): FuzzTarget {
  return {
    name,
    what,
    kind: 'text',
    maxBytes: 64 * 1024,
    structured: false,
    async run(input) {
      const text = decodeText(input);
      const result = loadInventory([{ name: INPUT_NAME, text }]);
      checkProblems(result.problems, INPUT_NAME, text);
      checkProblems(result.warnings, INPUT_NAME, text);
      if (result.problems.length > 0) return;
      checkReport(verify(await siteReport(), result.inventory));
      // What `vmkscope inventory import -o` writes must read back as the same inventory.
      const yaml = inventoryToYaml(result.inventory);
      const again = loadInventory([{ name: 'roundtrip.yaml', text: yaml }]);
      if (again.problems.length > 0) fail(`the canonical form written for this input does not read back: ${again.problems[0].message}\n${yaml}`);
      if (JSON.stringify(withoutSources(again.inventory)) !== JSON.stringify(withoutSources(result.inventory))) fail(`the canonical form written for this input reads back differently:\n${yaml}`);
    },
  };
}

function withoutSources(inventory: Inventory): Inventory {
  return { ...inventory, sources: [] };
}

function policyTarget(): FuzzTarget {
  const inventory = siteInventory(buildHosts(4));
  return {
    name: 'policy',
    what: 'policy files (YAML/JSON), verified against the synthetic site',
    kind: 'text',
    maxBytes: 16 * 1024,
    structured: false,
    async run(input) {
      const text = decodeText(input);
      const { policy, problems } = parsePolicy(INPUT_NAME, text);
      checkProblems(problems, INPUT_NAME, text);
      checkReport(verify(await siteReport(), inventory, problems.length > 0 ? DEFAULT_POLICY : policy));
    },
  };
}

export const TARGETS: readonly FuzzTarget[] = [
  captureTarget('pcap', 'classic pcap (all magics, both byte orders) through the real reader and the whole pipeline'),
  captureTarget('pcapng', 'pcapng (sections, interfaces, every block type, options) through the real reader and the whole pipeline'),
  gzipTarget(),
  decodeTarget(),
  inventoryTarget('inventory-esxcli', 'esxcli text, CSV, XML and keyvalue output, ssh transcripts'),
  inventoryTarget('inventory-esxcfg-vmknic', 'esxcfg-vmknic -l'),
  inventoryTarget('inventory-govc-text', 'govc host.vnic.info'),
  inventoryTarget('inventory-govc-json', 'govc host.vnic.info -json'),
  inventoryTarget('inventory-powercli-csv', 'PowerCLI Get-VMHostNetworkAdapter CSV exports'),
  inventoryTarget('inventory-powercli-netconfig', 'PowerCLI NetConfig CSV'),
  inventoryTarget('inventory-canonical-yaml', 'the canonical inventory in YAML'),
  inventoryTarget('inventory-canonical-json', 'the canonical inventory in JSON'),
  policyTarget(),
];

export function targetNamed(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no fuzz target "${name}" (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
