/**
 * Hostile capture files (issue F): block lengths that loop or overflow, 4 GB captured lengths,
 * headers nested tens of thousands deep, time going backwards, timestamps past the year 9999,
 * interfaces by the million, link types mixed in one file. Each must end in a report whose
 * numbers add up, or in a clear error naming the file and the byte offset; never a crash, a hang
 * or a wrong figure. Figures that tshark also computes are checked against tshark.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CaptureInputError } from '../../core/contract/errors.js';
import type { AnalysisReport } from '../../core/contract/report.js';
import { MAX_NESTED_HEADERS } from '../../core/decode/packet.js';
import { analyzeToReport } from '../helpers/report.js';
import { epb, idb, pcapOf, rawBlock, shb, udpFrame } from '../helpers/capture-bytes.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { checkReport } from '../fuzz/targets.js';

const dir = tempDir('vmkscope-adversarial-');
const T = 1768471200;
let files = 0;

function write(data: Uint8Array, name = `input-${++files}`): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

/** Analyse; the report must pass the fuzzer's oracles (every frame accounted for, no NaN, safe HTML). */
async function analyze(data: Uint8Array): Promise<AnalysisReport> {
  const { report } = await analyzeToReport({ captures: [write(data)] });
  checkReport(report);
  return report;
}

async function refusal(data: Uint8Array): Promise<CaptureInputError> {
  const file = write(data);
  try {
    await analyzeToReport({ captures: [file] });
  } catch (err) {
    assert.ok(err instanceof CaptureInputError, `expected a CaptureInputError, got ${(err as Error).stack}`);
    assert.ok(err.message.startsWith(`${file}: at byte ${err.offset}: `), err.message);
    return err;
  }
  assert.fail('the file was accepted');
}

const frame = udpFrame();

describe('pcapng block lengths that loop or overflow', () => {
  test('a length under 12, or not a multiple of 4, is refused where it stands', async () => {
    for (const len of [0, 4, 8, 13, 0xfffffffe]) {
      const head = Buffer.concat([shb(), idb(1), epb(0, frame)]);
      const err = await refusal(Buffer.concat([head, rawBlock(0x999, len)]));
      assert.equal(err.offset, head.length + 4, `length ${len}`);
      assert.match(err.message, new RegExp(`invalid length ${len} \\(must be a multiple of 4, at least 12\\)`));
    }
  });

  test('a skipped block announcing 4 GiB at the end of a small file: the packets before it count, the cut is a warning', async () => {
    const started = Date.now();
    const r = await analyze(Buffer.concat([shb(), idb(1), epb(0, frame), rawBlock(0x999, 0xfffffffc), epb(0, frame)]));
    assert.ok(Date.now() - started < 2000);
    assert.equal(r.captures[0].packets, 1);
    assert.match(r.captures[0].warnings.join('\n'), /a skipped block announced 4294967\d+ more bytes/);
  });

  test('a packet block claiming 4 GiB is refused before anything is buffered', async () => {
    const head = Buffer.concat([shb(), idb(1)]);
    const err = await refusal(Buffer.concat([head, rawBlock(6, 0xfffffff0, new Uint8Array(64))]));
    assert.equal(err.offset, head.length + 4);
    assert.match(err.message, /claims 4294967280 bytes, more than the 16777216-byte limit/);
  });

  test('a 16 MiB packet block cut short is gathered to the end of the file, then reported as cut', async () => {
    const r = await analyze(Buffer.concat([shb(), idb(1), epb(0, frame), rawBlock(6, 16 * 1024 * 1024, new Uint8Array(1024 * 1024))]));
    assert.equal(r.captures[0].packets, 1);
    assert.match(r.captures[0].warnings.join('\n'), /capture cut short/);
  });

  test('a trailing length that disagrees with the leading one', async () => {
    const good = epb(0, frame);
    good.writeUInt32LE(good.length + 8, good.length - 4);
    const head = Buffer.concat([shb(), idb(1)]);
    const err = await refusal(Buffer.concat([head, good]));
    assert.equal(err.offset, head.length + good.length - 4);
    assert.match(err.message, /block length mismatch/);
  });

  test('an option whose length runs past its block', async () => {
    const block = idb(1, { name: 'eth0' });
    block.writeUInt16LE(0xfff0, 16 + 2);
    const err = await refusal(Buffer.concat([shb(), block]));
    assert.equal(err.offset, 28 + 16);
    assert.match(err.message, /option 2 of length 65520 runs past the end of the block/);
  });

  test('a million empty blocks are walked in linear time', async () => {
    const one = rawBlock(0x999, 12);
    const empties = Buffer.alloc(one.length * 1_000_000);
    for (let i = 0; i < 1_000_000; i++) one.copy(empties, i * one.length);
    const started = Date.now();
    const r = await analyze(Buffer.concat([shb(), idb(1), empties, epb(0, frame)]));
    assert.equal(r.captures[0].packets, 1);
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
  });

  test('a file of nothing but Interface Description Blocks is refused after 65 536 of them', async () => {
    const one = idb(1);
    const blocks = Buffer.alloc(one.length * 65537);
    for (let i = 0; i < 65537; i++) one.copy(blocks, i * one.length);
    const err = await refusal(Buffer.concat([shb(), blocks]));
    assert.equal(err.offset, 28 + 65536 * one.length);
    assert.match(err.message, /more than 65536 interfaces in one capture/);
  });
});

describe('4 GB captured lengths', () => {
  test('classic pcap: a record claiming 4 GiB is refused at its header', async () => {
    const data = pcapOf(1, [{ frame }, { frame, capLen: 0xffffffff }]);
    const err = await refusal(data);
    assert.equal(err.offset, 24 + 16 + frame.length);
    assert.match(err.message, /record 2 claims 4294967295 captured bytes, more than the 262144-byte \(256 KiB\) maximum/);
  });

  test('pcapng: an Enhanced Packet Block claiming 4 GiB captured is refused at its length field', async () => {
    const head = Buffer.concat([shb(), idb(1)]);
    const err = await refusal(Buffer.concat([head, epb(0, frame, { capLen: 0xffffffff })]));
    assert.equal(err.offset, head.length + 20);
    assert.match(err.message, /packet 1 claims 4294967295 captured bytes/);
  });

  test('an original length of 4 GiB is the wire length it claims, counted exactly past 2^32', async () => {
    const r = await analyze(pcapOf(1, [{ frame, origLen: 0xffffffff }, { frame, origLen: 0xffffffff, usec: 1 }]));
    assert.equal(r.captures[0].bytes, 2 * 0xffffffff);
    assert.equal(r.flows[0].bytes, 2 * 0xffffffff);
    assert.equal(r.captures[0].slicedFrames, 2);
  });

  test('through the CLI: exit 2 and one line naming file and offset, no stack trace', async () => {
    const file = write(pcapOf(1, [{ frame, capLen: 0xffffffff }]), 'huge-caplen.pcap');
    const r = await runCli(['analyze', file, '--no-progress']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `vmkscope: error: ${file}: at byte 24: record 1 claims 4294967295 captured bytes, more than the 262144-byte (256 KiB) maximum: the file is corrupt here\n`);
  });
});

/** A frame whose headers nest `depth` times: each layer from `layer(i, last)`. */
function nested(head: Uint8Array, depth: number, layer: (last: boolean) => Uint8Array, tail: Uint8Array): Uint8Array {
  return Buffer.concat([head, ...Array.from({ length: depth }, (_, i) => layer(i === depth - 1)), tail]);
}

const udpHeader = Uint8Array.from([0xc3, 0x50, 0x1f, 0x40, 0x00, 0x08, 0x00, 0x00]);
function ipv4(proto: number): Uint8Array {
  // Total length 0, as segmentation offload leaves it: the frame is the datagram, so any depth fits.
  return Uint8Array.from([0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 198, 18, 20, 11, 198, 18, 20, 12]);
}
const ETHERNET_VLAN = Uint8Array.from([0, 0x50, 0x56, 0, 0, 2, 0, 0x50, 0x56, 0, 0, 1, 0x81, 0x00]);

describe('headers nested tens of thousands deep', () => {
  const cases: [string, number, Uint8Array][] = [
    ['60 000 VLAN tags', 1, nested(ETHERNET_VLAN, 60_000, (last) => Uint8Array.from([0, 20, last ? 0x08 : 0x81, 0]), Buffer.concat([ipv4(17), udpHeader]))],
    ['10 000 IPv4-in-IPv4 headers', 101, nested(new Uint8Array(0), 10_000, (last) => ipv4(last ? 17 : 4), udpHeader)],
    ['30 000 IPv6 Hop-by-Hop headers', 101, nested(Uint8Array.from([0x60, 0, 0, 0, 0, 0, 0, 64, ...new Array(32).fill(1)]), 30_000, (last) => Uint8Array.from([last ? 17 : 0, 0, 0, 0, 0, 0, 0, 0]), udpHeader)],
    ['10 000 GRE-in-IPv4 tunnels', 101, nested(new Uint8Array(0), 10_000, () => Buffer.concat([ipv4(47), Uint8Array.from([0, 0, 0x08, 0x00])]), Buffer.concat([ipv4(17), udpHeader]))],
    ['5 000 ERSPAN II copies of ERSPAN II copies', 1,
      nested(new Uint8Array(0), 5000, () => Buffer.concat([ETHERNET_VLAN.subarray(0, 12), Uint8Array.from([0x08, 0x00]), ipv4(47), Uint8Array.from([0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0, 0, 1, 0, 0, 0, 0])]), Buffer.concat([ETHERNET_VLAN.subarray(0, 12), Uint8Array.from([0x08, 0x00]), ipv4(17), udpHeader]))],
  ];
  for (const [name, linkType, bytes] of cases) {
    test(`${name}: counted, decoded no deeper than ${MAX_NESTED_HEADERS} headers, with a warning naming the frame`, async () => {
      assert.ok(bytes.length <= 262144, `${bytes.length} bytes`);
      const ordinary = linkType === 1 ? frame : frame.subarray(14);
      const r = await analyze(pcapOf(linkType, [{ frame: ordinary }, { frame: bytes }]));
      const c = r.captures[0];
      assert.equal(c.packets, 2);
      assert.equal(r.flows.length, 1, 'the ordinary frame made its flow; the nested one none');
      assert.equal(c.nonFlowFrames, 1);
      assert.match(c.warnings.join('\n'), new RegExp(`frame 2 nests more than ${MAX_NESTED_HEADERS} headers`));
    });
  }

  test('ordinary depths are decoded to the end: 20 VLAN tags, 20 IP-in-IP headers (tshark agrees)', async () => {
    const vlans = nested(ETHERNET_VLAN, 20, (last) => Uint8Array.from([0, 20, last ? 0x08 : 0x81, 0]), Buffer.concat([ipv4(17), udpHeader]));
    const ipip = nested(new Uint8Array(0), 20, (last) => ipv4(last ? 17 : 4), udpHeader);
    for (const [linkType, bytes] of [[1, vlans], [101, ipip]] as const) {
      const file = write(pcapOf(linkType, [{ frame: bytes }]));
      const { report } = await analyzeToReport({ captures: [file] });
      assert.deepEqual(report.captures[0].warnings, []);
      assert.deepEqual([report.flows[0].client.port, report.flows[0].server.port], [50000, 8000]);
      const tshark = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      assert.equal(tshark.trim(), '50000\t8000');
    }
  });
});

describe('time', () => {
  test('time going backwards: flows and the capture span their earliest to latest packet, as tshark conv reports', async () => {
    const f = udpFrame(1000);
    const times = [T + 100, T + 101, T + 50, T + 102, T - 86400 * 365, T + 103];
    const file = write(pcapOf(1, times.map((sec) => ({ frame: f, sec }))));
    const { report } = await analyzeToReport({ captures: [file] });
    checkReport(report);
    const c = report.captures[0];
    assert.equal(c.outOfOrderFrames, 2);
    assert.equal(c.start, '2025-01-15T10:00:00.000000Z');
    assert.equal(c.end, '2026-01-15T10:01:43.000000Z');
    assert.equal(report.flows.length, 1, 'a packet stamped a year back is no 120 s of UDP silence');
    const flow = report.flows[0];
    assert.equal(flow.durationSeconds, 31536103);
    assert.equal(flow.start, c.start);
    assert.equal(flow.end, c.end);
    const conv = execFileSync('tshark', ['-r', file, '-q', '-z', 'conv,udp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(conv, /\s6 6252 bytes\s+-31536100\.0+\s+31536103\.0+/, conv);
  });

  test('pcapng timestamps past the year 9999 (µs counter overflow, huge if_tsoffset): a warning, the packet keeps the previous time', async () => {
    const offset = Buffer.from([14, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0]);
    const skewed = idb(1, { name: null });
    const withOffset = Buffer.concat([skewed.subarray(0, 16), offset, skewed.subarray(16)]);
    withOffset.writeUInt32LE(withOffset.length, 4);
    withOffset.writeUInt32LE(withOffset.length, withOffset.length - 4);
    const r = await analyze(
      Buffer.concat([shb(), idb(1), withOffset, epb(0, frame, { ts: BigInt(T) * 1_000_000n }), epb(0, frame, { ts: 0xffffffffffffffffn }), epb(1, frame, { ts: 5n })]),
    );
    const c = r.captures[0];
    assert.equal(c.packets, 3);
    assert.equal(c.untimedFrames, 2);
    assert.equal(c.start, '2026-01-15T10:00:00.000000Z');
    assert.equal(c.end, c.start);
    assert.match(c.warnings.join('\n'), /packet 2 at byte \d+ has a timestamp outside the years 0000-9999 \(18446744073709 s since 1970/);
  });
});

test('mixed link types in one pcapng: every decodable one joins the flow, the others are counted apart (tshark agrees)', async () => {
  const eth = udpFrame();
  const ip = eth.subarray(14);
  const sll = Buffer.concat([Uint8Array.from([0, 0, 0, 1, 0, 6, 0, 0x50, 0x56, 0, 0, 1, 0, 0, 0x08, 0x00]), ip]);
  const sll2 = Buffer.concat([Uint8Array.from([0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 0x50, 0x56, 0, 0, 1, 0, 0]), ip]);
  const nullHeader = Buffer.concat([Uint8Array.from([2, 0, 0, 0]), ip]);
  const loop = Buffer.concat([Uint8Array.from([0, 0, 0, 2]), ip]);
  const interfaces: [number, Uint8Array][] = [[1, eth], [113, sll], [276, sll2], [101, ip], [228, ip], [0, nullHeader], [108, loop], [147, eth]];
  const blocks = [shb(), ...interfaces.map(([lt]) => idb(lt))];
  interfaces.forEach(([, f], i) => blocks.push(epb(i, f, { ts: BigInt(T) * 1_000_000n + BigInt(i) })));
  const file = write(Buffer.concat(blocks));
  const { report } = await analyzeToReport({ captures: [file] });
  checkReport(report);
  const c = report.captures[0];
  assert.equal(c.packets, 8);
  assert.equal(c.undecodedFrames, 1, 'link type 147 (user 0)');
  assert.match(c.warnings.join('\n'), /interface 7 has link type 147, which vmkscope does not decode/);
  assert.equal(report.flows.length, 1);
  assert.equal(report.flows[0].packets, 7);
  const conv = execFileSync('tshark', ['-r', file, '-q', '-z', 'conv,udp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.match(conv, /198\.18\.20\.11:50000\s+<-> 198\.18\.20\.12:8000\s+0 0 bytes\s+7 /, conv);
});
