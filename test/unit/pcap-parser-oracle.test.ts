/**
 * pcap-parser (a second, independent reader of classic µs pcap) as an oracle: every record's
 * timestamp, lengths and captured bytes read by vmkscope equal pcap-parser's, on generated files
 * of both byte orders and on the corpus's classic µs pcap files.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as pcapParser from 'pcap-parser';
import type { CaptureInterface, RecordSink } from '../../core/capture/record-sink.js';
import { readCapture } from '../../native/sources/capture-reader.js';
import { generate } from '../helpers/generate.js';
import { CORPUS } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

interface Record {
  sec: number;
  usec: number;
  capLen: number;
  origLen: number;
  digest: string;
}

function digest(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

function oracle(file: string): Promise<Record[]> {
  return new Promise((resolve, reject) => {
    const out: Record[] = [];
    const parser = pcapParser.parse(file);
    parser.on('packet', (p: { header: pcapParser.PacketHeader; data: Buffer }) =>
      out.push({
        sec: p.header.timestampSeconds,
        usec: p.header.timestampMicroseconds,
        capLen: p.header.capturedLength,
        origLen: p.header.originalLength,
        digest: digest(p.data),
      }),
    );
    parser.on('error', reject);
    parser.on('end', () => resolve(out));
  });
}

async function ours(file: string): Promise<Record[]> {
  const out: Record[] = [];
  const sink: RecordSink = {
    interface: (_info: CaptureInterface) => undefined,
    opaque: () => undefined,
    warning: () => undefined,
    drops: () => undefined,
    frame: (buf, off, capLen, origLen, sec, nsec) =>
      out.push({ sec, usec: nsec / 1000, capLen, origLen, digest: digest(buf.subarray(off, off + capLen)) }),
  };
  await readCapture(file, () => sink, { hash: false });
  return out;
}

/** Classic µs pcap whose records pcap-parser can read (it knows no other format). */
function classicMicrosecond(file: string): boolean {
  const head = fs.readFileSync(file).subarray(0, 24);
  if (head.length < 24) return false;
  const magic = head.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xd4c3b2a1) return false;
  const le = magic === 0xa1b2c3d4;
  // Out-of-range sub-second fields are normalised by vmkscope, kept raw by pcap-parser.
  return (le ? head.readUInt16LE(4) : head.readUInt16BE(4)) === 2;
}

test('generated classic pcap, both byte orders', async () => {
  const dir = tempDir();
  for (const bigEndian of [false, true]) {
    const file = path.join(dir, `gen-${bigEndian ? 'be' : 'le'}.pcap`);
    fs.writeFileSync(file, generate({ packets: 3000, bigEndian, vlan: true, scale: 0.01 }).data);
    const expected = await oracle(file);
    assert.equal(expected.length, 3000);
    assert.deepEqual(await ours(file), expected);
  }
});

test('the corpus classic µs pcap files', async () => {
  const captures = path.join(CORPUS, 'captures');
  const skip = new Set(['tcpdump--timestamp_invalid_nano.pcap', 'libpcap--pcap-invalid-version-1.pcap', 'libpcap--linktype-reserved-field-not-zero.pcap']);
  let files = 0;
  for (const name of fs.readdirSync(captures).sort()) {
    const file = path.join(captures, name);
    if (skip.has(name) || name.includes('trunc') || !classicMicrosecond(file)) continue;
    const expected = await oracle(file);
    assert.deepEqual(await ours(file), expected, name);
    files++;
  }
  assert.ok(files > 40, `compared ${files} files`);
});
