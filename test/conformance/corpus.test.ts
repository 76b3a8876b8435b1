/**
 * Conformance against the capture corpus (test/corpus, copied from ../shared/corpus with its
 * SOURCES.md): for every real capture, each packet's decoded fields equal tshark 4.0's, and each
 * TCP/UDP flow's frame bytes equal the sum of tshark's frame.len for its frames (a mirrored copy
 * counted as its inner frame). Files tshark rejects are rejected; truncated files yield exactly
 * the packets tshark printed, then a warning.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { corpusEntries, readTsv } from '../helpers/corpus.js';
import { compareConversations, compareFlows, comparePacket, decodeTraced, expectedFlows, parseConversations } from '../helpers/tshark-compare.js';

/** Decisions where vmkscope deliberately differs from tshark 4.0 (see docs/capture-formats.md). */
const REJECTED_ALTHOUGH_TSHARK_ACCEPTS = new Map([
  // A zero-byte file holds no capture header: vmkscope calls it unreadable (exit 2) rather than
  // reporting an analysis of nothing, which would read as "no migration traffic".
  ['derived--zero-length-file.pcap', /empty input \(0 bytes\)/],
]);

describe('tshark conformance over the capture corpus', () => {
  for (const entry of corpusEntries()) {
    test(entry.name, async () => {
      const { sink, error } = await decodeTraced(entry.capture);
      const deviation = REJECTED_ALTHOUGH_TSHARK_ACCEPTS.get(entry.name);
      if (deviation) {
        assert.ok(error, `${entry.name} must be rejected`);
        assert.match(error.message, deviation);
        return;
      }
      if (entry.error && !entry.tsv) {
        assert.ok(error, `${entry.name}: tshark rejects it (${entry.error}), vmkscope must too`);
        assert.equal(sink.frames.length, 0, 'no packets from a rejected file');
        assert.ok(error.message.startsWith(entry.capture), 'the error names the file');
        return;
      }
      const rows = readTsv(entry.tsv!);
      const extras = readTsv(entry.extra!);
      if (entry.error) {
        // Cut short: exactly the packets tshark printed, then a warning (not a failure).
        assert.equal(error, null, `${entry.name}: a truncated file is a warning, not an error: ${error?.message}`);
        assert.ok(sink.analysis.warnings.some((w) => /cut short/.test(w)), `${entry.name}: expected a cut-short warning, got ${JSON.stringify(sink.analysis.warnings)}`);
      } else {
        assert.equal(error, null, `${entry.name}: tshark reads it; vmkscope failed: ${error?.message}`);
      }
      assert.equal(sink.frames.length, rows.length, `${entry.name}: packet count`);
      rows.forEach((row, i) => comparePacket(row, extras[i], sink.frames[i], entry.name));
      if (entry.conv) {
        const expected = expectedFlows(rows, extras);
        compareFlows(expected, sink, entry.name);
        // With IP fragments tshark's table counts reassembled datagrams; the .tsv-derived
        // comparison above covers those files.
        if (!entry.reassemblyDiffers) {
          const mirrored = extras.some((x) => /:(erspan|gre:eth):/.test(x['frame.protocols']));
          compareConversations(parseConversations(fs.readFileSync(entry.conv, 'utf8')), expected, sink, entry.name, mirrored);
        }
      }
    });
  }
});
