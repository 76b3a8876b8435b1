/**
 * The generator's captures decoded by vmkscope and by tshark (run live): the same per-packet
 * fields, streams and conversations. This keeps the generator honest (tshark reads its VLAN,
 * ERSPAN I/II/III and pcapng variants) and checks the decoder on jumbo-frame vSphere traffic
 * the corpus does not have.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { GeneratorOptions } from '../../core/synth/generator.js';
import { parseTsv } from '../helpers/corpus.js';
import { generate } from '../helpers/generate.js';
import { tempDir } from '../helpers/temp.js';
import { TSHARK_EXTRA, TSHARK_FIELDS, tshark, tsharkFields, tsharkMissing } from '../helpers/tshark.js';
import { compareConversations, compareFlows, comparePacket, decodeTraced, expectedFlows, parseConversations } from '../helpers/tshark-compare.js';

const missing = tsharkMissing();
if (missing) console.log(`# skipping generated-capture conformance: ${missing}`);

const VARIANTS: [string, Partial<GeneratorOptions>][] = [
  ['esxi-mix pcap', {}],
  ['trunk view with VLAN tags', { vlan: true }],
  ['ERSPAN type I', { erspan: 1, vlan: true }],
  ['ERSPAN type II', { erspan: 2, vlan: true }],
  ['ERSPAN type III, pcapng ns big-endian', { erspan: 3, vlan: true, format: 'pcapng', nanosecond: true, bigEndian: true }],
  ['small packets', { scenario: 'small-packets' }],
  ['sliced to 96 bytes', { snaplen: 96, vlan: true }],
];

describe('generated captures: vmkscope and tshark agree', { skip: missing ?? false }, () => {
  const dir = tempDir();
  for (const [name, options] of VARIANTS) {
    test(name, async () => {
      const { data } = generate({ packets: 4000, scale: 0.005, seed: 7, ...options });
      const file = path.join(dir, `${name.replace(/\W+/g, '-')}.cap`);
      fs.writeFileSync(file, options.format === 'pcapng' ? gzipSync(data) : data);
      const rows = parseTsv(tsharkFields(file, TSHARK_FIELDS));
      const extras = parseTsv(tsharkFields(file, TSHARK_EXTRA));
      const { sink, error } = await decodeTraced(file);
      assert.equal(error, null);
      assert.equal(sink.frames.length, rows.length);
      rows.forEach((row, i) => comparePacket(row, extras[i], sink.frames[i], name));
      const expected = expectedFlows(rows, extras);
      assert.ok(expected.length > 4, 'the capture holds several flows');
      compareFlows(expected, sink, name);
      const conversations = parseConversations(tshark(file, ['-q', '-z', 'conv,tcp', '-z', 'conv,udp']));
      compareConversations(conversations, expected, sink, name, (options.erspan ?? 0) > 0);
    });
  }
});
