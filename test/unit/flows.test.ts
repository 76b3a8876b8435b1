/**
 * Flow building on hand-made packet sequences: connection boundaries, client detection,
 * sequence-number accounting across wrap-around, retransmissions and per-second buckets.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import type { Flow } from '../../core/flow/flow.js';
import { decideClient } from '../../core/report/flow-records.js';
import { ACK, FIN, PSH, RST, SYN } from '../../core/synth/sessions.js';
import { readCapture } from '../../native/sources/capture-reader.js';
import { buildPcap, template, type BuiltPacket } from '../helpers/pcap-builder.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
let n = 0;

async function flowsOf(packets: BuiltPacket[], snaplen?: number): Promise<Flow[]> {
  const file = path.join(dir, `flows-${n++}.pcap`);
  fs.writeFileSync(file, buildPcap(packets, snaplen));
  const analysis = new CaptureAnalysis();
  await readCapture(file, () => analysis, { hash: false });
  return [...analysis.flows()];
}

const T0 = 1768471200;
const c2s = template({ protocol: 'tcp', srcPort: 50000, dstPort: 8000 });
const s2c = template({
  protocol: 'tcp',
  src: { mac: [0, 0x50, 0x56, 0, 0, 2], ip: [198, 18, 20, 12] },
  dst: { mac: [0, 0x50, 0x56, 0, 0, 1], ip: [198, 18, 20, 11] },
  srcPort: 8000,
  dstPort: 50000,
});

function connection(t: number, isn: number, bytes = 0): BuiltPacket[] {
  const out: BuiltPacket[] = [
    { template: c2s, time: t, seq: isn, flags: SYN },
    { template: s2c, time: t + 0.001, seq: 7, ack: isn + 1, flags: SYN | ACK },
    { template: c2s, time: t + 0.002, seq: isn + 1, ack: 8, flags: ACK },
  ];
  if (bytes > 0) out.push({ template: c2s, time: t + 0.003, seq: isn + 1, ack: 8, flags: ACK | PSH, payload: bytes });
  out.push({ template: c2s, time: t + 0.004, seq: isn + 1 + bytes, ack: 8, flags: FIN | ACK });
  return out;
}

test('a port reused after FIN is a new flow; without FIN or RST it is the same one', async () => {
  const flows = await flowsOf([...connection(T0, 1000, 500), ...connection(T0 + 10, 99999, 200)]);
  assert.equal(flows.length, 2);
  assert.equal(flows[0].packets, 5);
  assert.equal(flows[1].packets, 5);
  assert.equal(flows[1].synFrame, 6);
  // A SYN retransmitted with the same ISN does not split the connection.
  const again = await flowsOf([{ template: c2s, time: T0, seq: 5, flags: SYN }, { template: c2s, time: T0 + 1, seq: 5, flags: SYN }]);
  assert.equal(again.length, 1);
});

test('a connection reset then reopened is two flows', async () => {
  const flows = await flowsOf([
    { template: c2s, time: T0, seq: 1, flags: SYN },
    { template: s2c, time: T0 + 0.001, seq: 0, ack: 2, flags: RST | ACK },
    { template: c2s, time: T0 + 1, seq: 5000, flags: SYN },
  ]);
  assert.equal(flows.length, 2);
  assert.equal(flows[0].rstFrame, 2);
});

test('the client is the sender of the first SYN, else the end off the service port', async () => {
  const [withSyn] = await flowsOf(connection(T0, 1));
  assert.deepEqual(decideClient(withSyn), { clientIsA: withSyn.synFrom === 1, basis: 'syn' });
  // Capture started mid-connection, first packet from the server: port 8000 is vMotion's, so the other end is the client.
  const [mid] = await flowsOf([
    { template: s2c, time: T0, seq: 1, ack: 1, flags: ACK },
    { template: c2s, time: T0 + 0.1, seq: 1, ack: 1, flags: ACK, payload: 100 },
  ]);
  const client = decideClient(mid);
  assert.equal(client.basis, 'service-port');
  assert.equal(client.clientIsA ? mid.portA : mid.portB, 50000);
});

test('UDP flows end after 120 s of silence', async () => {
  const hb = template({ protocol: 'udp', srcPort: 5500, dstPort: 902 });
  const flows = await flowsOf([
    { template: hb, time: T0, payload: 176 },
    { template: hb, time: T0 + 100, payload: 176 },
    { template: hb, time: T0 + 300, payload: 176 },
  ]);
  assert.deepEqual(flows.map((f) => f.packets), [2, 1]);
});

test('sequence bytes survive 32-bit wrap-around and retransmissions are counted apart', async () => {
  const isn = 0xffffffff - 3000;
  const packets: BuiltPacket[] = [{ template: c2s, time: T0, seq: isn, flags: SYN }];
  let seq = isn + 1;
  for (let i = 0; i < 5; i++) {
    packets.push({ template: c2s, time: T0 + 0.01 * (i + 1), seq: seq >>> 0, flags: ACK, payload: 1448 });
    seq += 1448;
  }
  // The third segment again (a retransmission), then one more new segment.
  packets.push({ template: c2s, time: T0 + 0.1, seq: (isn + 1 + 2 * 1448) >>> 0, flags: ACK, payload: 1448 });
  packets.push({ template: c2s, time: T0 + 0.2, seq: seq >>> 0, flags: ACK, payload: 1448 });
  const [flow] = await flowsOf(packets);
  const side = flow.synFrom === 1 ? flow.sideA : flow.sideB;
  assert.equal(side.seqBytes, 6 * 1448);
  assert.equal(side.retransmittedBytes, 1448);
  assert.equal(side.payloadBytes, 7 * 1448);
});

test('a lost segment shows as sequence bytes the capture did not see', async () => {
  const packets: BuiltPacket[] = [];
  for (let i = 0; i < 10; i++) if (i !== 4) packets.push({ template: c2s, time: T0 + i * 0.001, seq: 1 + i * 8948, flags: ACK, payload: 8948 });
  const [flow] = await flowsOf(packets);
  const side = flow.firstFrom === 1 ? flow.sideA : flow.sideB;
  assert.equal(side.seqBytes - side.payloadBytes, 8948);
});

test('frame bytes per second, both directions, with bounded buckets', async () => {
  const packets: BuiltPacket[] = [];
  for (let s = 0; s < 3; s++) {
    packets.push({ template: c2s, time: T0 + s + 0.1, seq: 1 + s * 1000, flags: ACK, payload: 1000 });
    packets.push({ template: s2c, time: T0 + s + 0.2, seq: 1, ack: 1 + (s + 1) * 1000, flags: ACK });
  }
  const [flow] = await flowsOf(packets);
  const fromA = flow.firstFrom === 1;
  const sent = flow.timeline.sides[fromA ? 0 : 1];
  const acks = flow.timeline.sides[fromA ? 1 : 0];
  assert.equal(flow.timeline.width, 1);
  assert.deepEqual(sent, [1066, 1066, 1066]); // Ethernet 14 + IPv4 20 + TCP with timestamps 32 + 1000 payload
  assert.deepEqual(acks, [66, 66, 66]); // the 32-byte TCP header with timestamps: no padding needed

  // Two thousand seconds do not make two thousand buckets: widths double to stay within 512.
  const long = await flowsOf([
    { template: c2s, time: T0, seq: 1, flags: ACK, payload: 10 },
    { template: c2s, time: T0 + 2000, seq: 11, flags: ACK, payload: 10 },
  ]);
  assert.ok(long[0].timeline.sides[0].length <= 512);
  assert.equal(long[0].timeline.width, 4);
  const total = long[0].timeline.sides[long[0].firstFrom === 1 ? 0 : 1].reduce((a, b) => a + b, 0);
  assert.equal(total, 2 * 76); // 66 header bytes + 10 payload, twice
});

test('bytes count the wire, not the snaplen; the sliced header is noted', async () => {
  const [flow] = await flowsOf([{ template: c2s, time: T0, seq: 1, flags: ACK, payload: 8948 }], 96);
  const side = flow.firstFrom === 1 ? flow.sideA : flow.sideB;
  assert.equal(side.bytes, 9014);
  assert.equal(side.payloadBytes, 8948);
  assert.equal(side.headerCut, 0);
  const [cut] = await flowsOf([{ template: c2s, time: T0, seq: 1, flags: ACK, payload: 100 }], 60);
  assert.equal((cut.firstFrom === 1 ? cut.sideA : cut.sideB).headerCut, 1);
});
