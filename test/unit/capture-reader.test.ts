/**
 * The capture reader on real bytes: every container variant the generator writes reads back
 * whole; bad input fails with the file, the byte offset and what was wrong; a capture cut short
 * is a warning and everything before the cut is kept.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CaptureInputError } from '../../core/contract/errors.js';
import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import type { GeneratorOptions } from '../../core/synth/generator.js';
import { readCapture } from '../../native/sources/capture-reader.js';
import { generate } from '../helpers/generate.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();

function write(name: string, data: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

async function read(file: string, hash = false) {
  const analysis = new CaptureAnalysis();
  const facts = await readCapture(file, () => analysis, { hash });
  return { analysis, facts };
}

async function readError(file: string): Promise<CaptureInputError> {
  try {
    await read(file);
  } catch (err) {
    assert.ok(err instanceof CaptureInputError, `expected a CaptureInputError, got ${err}`);
    return err;
  }
  assert.fail(`${file} was accepted`);
}

function sumFlowBytes(analysis: CaptureAnalysis): number {
  return [...analysis.flows()].reduce((s, f) => s + f.sideA.bytes + f.sideB.bytes, 0);
}

describe('every container the generator writes reads back whole', () => {
  const variants: [string, Partial<GeneratorOptions>][] = [
    ['pcap µs little-endian', { format: 'pcap' }],
    ['pcap ns big-endian', { format: 'pcap', nanosecond: true, bigEndian: true }],
    ['pcapng µs big-endian', { format: 'pcapng', bigEndian: true }],
    ['pcapng ns little-endian with VLAN tags', { format: 'pcapng', nanosecond: true, vlan: true }],
    ['ERSPAN type I', { erspan: 1, vlan: true }],
    ['ERSPAN type II', { erspan: 2, vlan: true }],
    ['ERSPAN type III in pcapng', { erspan: 3, format: 'pcapng', nanosecond: true }],
    ['snaplen 128', { snaplen: 128 }],
  ];
  for (const [name, options] of variants) {
    test(name, async () => {
      const { data, generator } = generate({ packets: 3000, scale: 0.01, ...options });
      for (const [kind, bytes] of [['plain', data], ['gzip', gzipSync(data)]] as const) {
        const file = write(`${name.replace(/\W+/g, '-')}.${kind}`, bytes);
        const { analysis, facts } = await read(file, true);
        assert.equal(facts.format, options.format ?? 'pcap');
        assert.equal(facts.compression, kind === 'gzip' ? 'gzip' : 'none');
        assert.equal(facts.size, bytes.length);
        assert.match(facts.sha256!, /^[0-9a-f]{64}$/);
        assert.equal(analysis.frames, generator.packets, `${kind}: packets`);
        assert.equal(analysis.bytes, generator.frameBytes, `${kind}: frame bytes`);
        assert.deepEqual(analysis.warnings, [], `${kind}: warnings`);
        // Every generated packet is TCP or UDP: all of them land in flows, as inner frames when mirrored.
        assert.equal(analysis.nonFlowFrames, 0);
        assert.equal(sumFlowBytes(analysis), generator.innerFrameBytes, `${kind}: flow bytes`);
        if (options.snaplen) assert.equal(analysis.slicedFrames > 0, true);
      }
    });
  }
});

describe('bad input is refused with the file, the byte offset and what was wrong', () => {
  test('text is not a capture', async () => {
    const file = write('notes.pcap', Buffer.from('This is a text file, not a capture.\n'));
    const err = await readError(file);
    assert.equal(err.file, file);
    assert.equal(err.offset, 0);
    assert.match(err.message, /not a capture file: the first bytes \(54 68 69 73, "This"\)/);
  });

  test('an empty file', async () => {
    const err = await readError(write('empty.pcap', new Uint8Array(0)));
    assert.match(err.message, /empty input \(0 bytes\)/);
  });

  test('a pcap file header cut short', async () => {
    const { data } = generate({ packets: 10 });
    const err = await readError(write('short-header.pcap', data.subarray(0, 10)));
    assert.match(err.message, /file header cut short: 10 of the 24 bytes/);
  });

  test('a record longer than 256 KiB names the record and its offset', async () => {
    const { data } = generate({ packets: 10, scale: 0.01 });
    const bad = Buffer.from(data);
    // Corrupt the captured length of record 3.
    let off = 24;
    for (let i = 0; i < 2; i++) off += 16 + bad.readUInt32LE(off + 8);
    bad.writeUInt32LE(300000, off + 8);
    const err = await readError(write('huge-record.pcap', bad));
    assert.equal(err.offset, off);
    assert.match(err.message, new RegExp(`at byte ${off}: record 3 claims 300000 captured bytes, more than the 262144-byte \\(256 KiB\\) maximum`));
  });

  test('a pcapng block whose trailing length disagrees', async () => {
    const { data } = generate({ packets: 10, format: 'pcapng', scale: 0.01 });
    const bad = Buffer.from(data);
    const firstEpb = 28 + bad.readUInt32LE(28 + 4); // after the SHB and the IDB
    const len = bad.readUInt32LE(firstEpb + 4);
    bad.writeUInt32LE(len + 4, firstEpb + len - 4);
    const err = await readError(write('mismatch.pcapng', bad));
    assert.equal(err.offset, firstEpb + len - 4);
    assert.match(err.message, /block length mismatch: block of type 0x6 says \d+ bytes at its start and \d+ at its end/);
  });

  test('a pcap with an unknown major version', async () => {
    const { data } = generate({ packets: 3 });
    const bad = Buffer.from(data);
    bad.writeUInt16LE(3, 4);
    const err = await readError(write('v3.pcap', bad));
    assert.match(err.message, /at byte 4: pcap major version 3\.4 is not supported/);
  });

  test('garbage inside gzip', async () => {
    const err = await readError(write('text.gz', gzipSync(Buffer.from('hello, not a capture'))));
    assert.match(err.message, /of the decompressed stream: inside gzip: not a capture file/);
  });
});

describe('a capture cut short keeps everything before the cut, with a warning', () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    test(`${format} cut inside a record`, async () => {
      const { data } = generate({ packets: 200, format, scale: 0.01 });
      const whole = await read(write(`whole.${format}`, data));
      const cut = await read(write(`cut.${format}`, data.subarray(0, data.length - 100)));
      assert.equal(cut.analysis.frames, whole.analysis.frames - 1);
      assert.equal(cut.analysis.warnings.length, 1);
      assert.match(cut.analysis.warnings[0], /capture cut short at byte \d+/);
    });
  }

  test('a gzip stream cut short', async () => {
    const { data } = generate({ packets: 5000, scale: 0.01 });
    const gz = gzipSync(data);
    const cut = await read(write('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length / 2))));
    assert.ok(cut.analysis.frames > 100, 'packets before the cut are read');
    assert.ok(cut.analysis.warnings.some((w) => /gzip stream cut short/.test(w)), JSON.stringify(cut.analysis.warnings));
  });
});
