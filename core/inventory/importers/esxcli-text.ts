/**
 * esxcli's default (text) formatter, and `vmware -v`/`-vl` for the host's version.
 *
 * The text formatter prints a list of objects either as a table (a header row, a rule of dashes
 * under each column, then one row per object; no value contains a space, vsphere-traffic.md 4.2)
 * or as blocks of indented `Label: value` lines, each block after a line with the object's name
 * (`interface list`, `netstack list`; 4.1, 4.5). A single object is one block without the name
 * line (`system version get`, `tag get`).
 */
import { contentLines, type Section } from '../transcript.js';
import type { ImportContext, Importer } from './context.js';
import { esxcliCommandFor, stateRecords, type EsxcliRecord } from './esxcli-records.js';
import { fieldKey } from './values.js';

interface TextOutput {
  records: EsxcliRecord[];
  keys: Set<string>;
  /** Lines that do not fit the layout (a truncated row, a stray line). */
  problems: { line: number; message: string }[];
}

const RULE = /^-+(\s+-+)*\s*$/;
const LABEL_VALUE = /^\s*([A-Za-z][\w /().-]*?):(?:\s+(.*))?$/;

function readTable(lines: { text: string; line: number }[]): TextOutput | null {
  if (lines.length < 2 || !RULE.test(lines[1].text)) return null;
  // Columns start where the rule's dash runs start; labels sit at those offsets in the header.
  const starts = [...lines[1].text.matchAll(/-+/g)].map((m) => m.index);
  const labels = starts.map((s, i) => lines[0].text.slice(s, starts[i + 1]).trim());
  const keys = labels.map(fieldKey);
  const out: TextOutput = { records: [], keys: new Set(keys), problems: [] };
  for (const row of lines.slice(2)) {
    if (row.text.trim() === '') continue;
    const values = row.text.trim().split(/\s+/);
    if (values.length !== keys.length) {
      out.problems.push({ line: row.line, message: `row has ${values.length} values where the table has ${keys.length} columns (${labels.join(', ')}): cut short or edited?` });
      continue;
    }
    out.records.push({ line: row.line, fields: new Map(keys.map((k, i) => [k, { value: values[i], line: row.line }])) });
  }
  return out;
}

function readBlocks(lines: { text: string; line: number }[]): TextOutput | null {
  const out: TextOutput = { records: [], keys: new Set(), problems: [] };
  let record: EsxcliRecord | null = null;
  let previousBlank = false;
  for (const { text, line } of lines) {
    if (text.trim() === '') {
      previousBlank = true;
      continue;
    }
    const m = LABEL_VALUE.exec(text);
    if (m) {
      const key = fieldKey(m[1]);
      if (record === null || previousBlank || record.fields.has(key)) {
        record = { line, fields: new Map() };
        out.records.push(record);
      }
      record.fields.set(key, { value: (m[2] ?? '').trim(), line });
      out.keys.add(key);
    } else if (/^\S+$/.test(text)) {
      // The object's name line (vmk0, defaultTcpipStack): a new block.
      record = { line, fields: new Map() };
      out.records.push(record);
    } else out.problems.push({ line, message: `line not understood in esxcli output: ${text.trim()}` });
    previousBlank = false;
  }
  return out.keys.size > 0 ? out : null;
}

function readText(section: Section): TextOutput | null {
  const lines = contentLines(section);
  return readTable(lines) ?? readBlocks(lines);
}

export const esxcliText: Importer = {
  format: 'esxcli (text)',
  detect(section) {
    const output = readText(section);
    return output !== null && esxcliCommandFor(output.keys) !== null;
  },
  parse(section: Section, context: ImportContext) {
    const output = readText(section)!;
    const command = esxcliCommandFor(output.keys)!;
    for (const p of output.problems) context.problem(p.line, `${command.command}: ${p.message}`);
    stateRecords(command, output.records.filter((r) => r.fields.size > 0), section, context);
  },
};

/** `vmware -v`: "VMware ESXi 8.0.2 build-22380479"; `-vl` adds "VMware ESXi 8.0 Update 2". */
const VMWARE_VERSION = /^VMware ESXi (\d+(?:\.\d+)+)(?: build-\d+)?$/;

export const vmwareVersion: Importer = {
  format: 'vmware -v / -vl',
  detect(section) {
    return VMWARE_VERSION.test(contentLines(section)[0]?.text.trim() ?? '');
  },
  parse(section, context) {
    const [first, ...rest] = contentLines(section);
    context.host(section, first.line)?.version(VMWARE_VERSION.exec(first.text.trim())![1], context.origin(first.line));
    for (const { text, line } of rest) {
      if (!/^VMware ESXi \d/.test(text.trim())) context.problem(line, `line not understood in vmware -vl output: ${text.trim()}`);
    }
  },
};
