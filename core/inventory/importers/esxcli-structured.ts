/**
 * esxcli --formatter=csv|xml|keyvalue (vsphere-traffic.md 4.6). All three name fields by key
 * (`MACAddress`, `IPv4Address`), so they become the same records as the text formatter.
 */
import { parseCsv } from '../csv.js';
import { contentLines, type Section } from '../transcript.js';
import type { Importer } from './context.js';
import { esxcliCommandFor, stateRecords, type EsxcliCommand, type EsxcliRecord } from './esxcli-records.js';
import { fieldKey } from './values.js';

/**
 * CSV: a header of field keys in alphabetical order (so a column's position changes between
 * builds as keys are added: mapped by name), every line ending in a comma.
 */
function csvHeader(section: Section): { keys: string[]; table: ReturnType<typeof parseCsv> } | null {
  const lines = contentLines(section);
  if (lines.length === 0 || !lines[0].text.includes(',') || lines[0].text.startsWith('"')) return null;
  const table = parseCsv(lines);
  // A quote opened in the header and never closed leaves no row at all: no header to read.
  if (table.rows.length === 0) return null;
  const cells = table.rows[0].cells;
  const named = cells[cells.length - 1] === '' ? cells.slice(0, -1) : cells;
  if (named.length < 2 || !named.every((c) => /^[A-Za-z][A-Za-z0-9]*$/.test(c))) return null;
  return { keys: cells.map(fieldKey), table };
}

export const esxcliCsv: Importer = {
  format: 'esxcli --formatter=csv',
  detect(section) {
    const header = csvHeader(section);
    return header !== null && esxcliCommandFor(new Set(header.keys)) !== null;
  },
  parse(section, context) {
    const { keys, table } = csvHeader(section)!;
    const command = esxcliCommandFor(new Set(keys))!;
    if (table.unterminatedQuoteLine !== null) context.problem(table.unterminatedQuoteLine, `${command.command}: a quoted value is never closed`);
    const records: EsxcliRecord[] = [];
    for (const row of table.rows.slice(1)) {
      if (row.cells.length !== keys.length) {
        context.problem(row.line, `${command.command}: row has ${row.cells.length} values where the header has ${keys.length}: cut short or edited?`);
        continue;
      }
      records.push({ line: row.line, fields: new Map(keys.flatMap((k, i) => (k === '' ? [] : [[k, { value: row.cells[i], line: row.line }]]))) });
    }
    stateRecords(command, records, section, context);
  },
};

interface XmlElement {
  name: string;
  attributes: Map<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? whole;
  });
}

/**
 * The little XML esxcli writes: elements, attributes, text, the declaration; comments and CDATA
 * for good measure. Returns the root, or the line and reason where it stops being well formed.
 */
function parseXml(text: string, firstLine: number): { root: XmlElement } | { line: number; message: string } {
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|</g;
  const document: XmlElement = { name: '', attributes: new Map(), children: [], text: '', line: firstLine };
  const stack = [document];
  let line = firstLine;
  let offset = 0;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    line += (text.slice(offset, m.index).match(/\n/g) ?? []).length;
    offset = m.index;
    const top = stack[stack.length - 1];
    const [whole, cdata, closing, name, attributes, selfClosing, chars] = m;
    if (cdata !== undefined) top.text += cdata;
    else if (chars !== undefined) top.text += decodeEntities(chars);
    else if (name !== undefined && closing === '/') {
      if (top.name !== name) return { line, message: `</${name}> closes <${top.name || '(nothing)'}>` };
      stack.pop();
    } else if (name !== undefined) {
      const element: XmlElement = { name, attributes: new Map(), children: [], text: '', line };
      for (const a of attributes.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) element.attributes.set(a[1], decodeEntities(a[2] ?? a[3]));
      top.children.push(element);
      if (selfClosing !== '/') stack.push(element);
    } else if (whole === '<') return { line, message: 'a < that starts no tag' };
  }
  if (stack.length > 1) return { line, message: `<${stack[stack.length - 1].name}> is never closed (output cut short?)` };
  if (document.children.length !== 1) return { line: firstLine, message: 'not one XML document' };
  return { root: document.children[0] };
}

/**
 * Records are the `<structure>` elements that are not inside a field: `<field name="Key">` holds
 * `<string>`, `<integer>` or `<boolean>`.
 */
function xmlRecords(element: XmlElement, out: EsxcliRecord[]): EsxcliRecord[] {
  for (const child of element.children) {
    if (child.name !== 'structure') {
      xmlRecords(child, out);
      continue;
    }
    const record: EsxcliRecord = { line: child.line, fields: new Map() };
    for (const field of child.children.filter((f) => f.name === 'field')) {
      const value = field.children[0];
      if (value !== undefined) record.fields.set(fieldKey(field.attributes.get('name') ?? ''), { value: value.text.trim(), line: value.line });
    }
    out.push(record);
  }
  return out;
}

function keysOf(records: EsxcliRecord[]): Set<string> {
  return new Set(records.flatMap((r) => [...r.fields.keys()]));
}

/** The records of an esxcli XML section with the command they come from, or where it is malformed. */
function readXml(section: Section): { records: EsxcliRecord[]; command: EsxcliCommand | null } | { line: number; message: string } | null {
  const lines = contentLines(section);
  if (lines.length === 0 || !/^<(\?xml|output)\b/.test(lines[0].text.trim())) return null;
  const parsed = parseXml(lines.map((l) => l.text).join('\n'), lines[0].line);
  if (!('root' in parsed)) return parsed;
  const records = xmlRecords(parsed.root, []);
  return { records, command: esxcliCommandFor(keysOf(records)) };
}

export const esxcliXml: Importer = {
  format: 'esxcli --formatter=xml',
  // Malformed esxcli XML is taken too, to report where it breaks rather than skip it.
  detect(section) {
    const xml = readXml(section);
    return xml !== null && (!('records' in xml) || xml.command !== null);
  },
  parse(section, context) {
    const xml = readXml(section)!;
    if (!('records' in xml)) context.problem(xml.line, `esxcli XML: ${xml.message}`);
    else stateRecords(xml.command!, xml.records, section, context);
  },
};

/**
 * keyvalue: `structure[N].Type.Field.valuetype=value` for the Nth object of a list, or
 * `Type.Field.valuetype=value` for a single object.
 */
const KEYVALUE = /^(?:structure\[(\d+)\]\.)?[A-Za-z]\w*\.([A-Za-z]\w*)\.[a-z]+=(.*)$/;

function readKeyvalue(section: Section): { records: EsxcliRecord[]; problems: { line: number; text: string }[] } {
  const byIndex = new Map<number, EsxcliRecord>();
  const problems: { line: number; text: string }[] = [];
  for (const { text, line } of contentLines(section)) {
    const m = KEYVALUE.exec(text);
    if (!m) {
      if (text.trim() !== '') problems.push({ line, text: text.trim() });
      continue;
    }
    const index = Number(m[1] ?? 0);
    let record = byIndex.get(index);
    if (!record) {
      record = { line, fields: new Map() };
      byIndex.set(index, record);
    }
    record.fields.set(fieldKey(m[2]), { value: m[3], line });
  }
  return { records: [...byIndex.values()], problems };
}

export const esxcliKeyvalue: Importer = {
  format: 'esxcli --formatter=keyvalue',
  detect(section) {
    if (!KEYVALUE.test(contentLines(section)[0]?.text ?? '')) return false;
    return esxcliCommandFor(keysOf(readKeyvalue(section).records)) !== null;
  },
  parse(section, context) {
    const { records, problems } = readKeyvalue(section);
    const command = esxcliCommandFor(keysOf(records))!;
    for (const p of problems) context.problem(p.line, `${command.command}: line not understood in keyvalue output: ${p.text}`);
    stateRecords(command, records, section, context);
  },
};
