import fs from 'node:fs';
import path from 'node:path';
import { CORPUS } from './paths.js';

/** One row of a tshark `-T fields` table, by column name; '' = absent. */
export type TsharkRow = Record<string, string>;

export function readTsv(file: string): TsharkRow[] {
  return parseTsv(fs.readFileSync(file, 'utf8'));
}

export function parseTsv(text: string): TsharkRow[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0].split('\t');
  return lines.slice(1).map((line) => {
    const cells = line.split('\t');
    const row: TsharkRow = {};
    header.forEach((h, i) => (row[h] = cells[i] ?? ''));
    return row;
  });
}

export function list(cell: string): string[] {
  return cell === '' ? [] : cell.split(',');
}

export interface CorpusEntry {
  name: string;
  capture: string;
  /**
   * Per-packet oracle: the no-reassembly variant where tshark's output differs with it (a
   * streaming decoder does not reassemble IP), with its layer list (nodefrag.extra.tsv, which
   * vmkscope's copy of regen-expected.sh adds).
   */
  tsv: string | null;
  extra: string | null;
  conv: string | null;
  error: string | null;
  /** tshark's output differs with IP reassembly off (the file has IP fragments). */
  reassemblyDiffers: boolean;
}

function existing(file: string): string | null {
  return fs.existsSync(file) ? file : null;
}

export function corpusEntries(): CorpusEntry[] {
  const captures = path.join(CORPUS, 'captures');
  const expected = path.join(CORPUS, 'expected');
  return fs
    .readdirSync(captures)
    .sort()
    .map((name) => ({
      name,
      capture: path.join(captures, name),
      tsv: existing(path.join(expected, `${name}.nodefrag.tsv`)) ?? existing(path.join(expected, `${name}.tsv`)),
      extra: existing(path.join(expected, `${name}.nodefrag.extra.tsv`)) ?? existing(path.join(expected, `${name}.extra.tsv`)),
      conv: existing(path.join(expected, `${name}.conv.txt`)),
      error: existing(path.join(expected, `${name}.error.txt`)),
      reassemblyDiffers: fs.existsSync(path.join(expected, `${name}.nodefrag.tsv`)),
    }));
}

/** Layers the vmkscope decoder implements (corpus README): comparison stops at the first other one. */
export const SUPPORTED_LAYERS = new Set([
  'eth', 'ethertype', 'vlan', 'ieee8021ad', 'sll', 'null', 'raw', 'ip', 'ipv6', 'ipv6.hopopts', 'ipv6.routing',
  'ipv6.fraghdr', 'ipv6.dstopts', 'gre', 'erspan', 'tcp', 'udp',
  // Not in the corpus README's list, but vmkscope follows IPsec AH to the transport header too.
  'ah',
]);

/** tshark's layer list up to (not including) the first layer the decoder does not implement. */
export function supportedPrefix(protocols: string): string[] {
  const out: string[] = [];
  for (const layer of protocols.split(':')) {
    if (!SUPPORTED_LAYERS.has(layer)) break;
    out.push(layer);
  }
  return out;
}
