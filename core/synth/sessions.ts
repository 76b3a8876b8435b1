/**
 * Conversations as generators of packets in time order. Each yields one reused SynthPacket
 * (the consumer copies what it needs before asking for the next) or a Spawn that starts
 * another conversation.
 */
import type { PacketTemplate } from './packet-template.js';

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export class SynthPacket {
  /** Nanoseconds since the capture's start. */
  at = 0;
  template!: PacketTemplate;
  payload = 0;
  seq = 0;
  ack = 0;
  flags = 0;
}

export interface Spawn {
  at: number;
  spawn: Generator<SynthPacket | Spawn>;
}

export type Activity = Generator<SynthPacket | Spawn>;

export interface Turn {
  from: 'client' | 'server';
  bytes: number;
  /** Pause before this turn starts (think time). */
  pauseNs?: number;
}

export interface TcpSessionSpec {
  /** Templates for client->server and server->client frames. */
  c2s: PacketTemplate;
  s2c: PacketTemplate;
  start: number;
  mss: number;
  /** Bits per second while data flows. */
  bitsPerSecond: number;
  rttNs: number;
  turns: Iterable<Turn>;
  /** The receiver acknowledges every this many segments (delayed ACK). */
  ackEvery: number;
  clientIsn: number;
  serverIsn: number;
  /** End with FIN (true) or RST (false). */
  fin?: boolean;
}

/** One TCP connection: handshake, the turns' data with delayed ACKs, then FIN or RST. */
export function* tcpSession(spec: TcpSessionSpec): Activity {
  const p = new SynthPacket();
  const half = spec.rttNs / 2;
  let t = spec.start;
  let cseq = spec.clientIsn >>> 0;
  let sseq = spec.serverIsn >>> 0;
  const emit = (at: number, template: PacketTemplate, payload: number, seq: number, ack: number, flags: number): SynthPacket => {
    p.at = at;
    p.template = template;
    p.payload = payload;
    p.seq = seq >>> 0;
    p.ack = ack >>> 0;
    p.flags = flags;
    return p;
  };
  yield emit(t, spec.c2s, 0, cseq, 0, SYN);
  cseq = (cseq + 1) >>> 0;
  t += half;
  yield emit(t, spec.s2c, 0, sseq, cseq, SYN | ACK);
  sseq = (sseq + 1) >>> 0;
  t += half;
  yield emit(t, spec.c2s, 0, cseq, sseq, ACK);
  // Pending ACKs of the receiver: times and acknowledged sequence numbers, in time order.
  const ackAt: number[] = [];
  const ackSeq: number[] = [];
  for (const turn of spec.turns) {
    t += turn.pauseNs ?? 0;
    const fromClient = turn.from === 'client';
    const data = fromClient ? spec.c2s : spec.s2c;
    const back = fromClient ? spec.s2c : spec.c2s;
    let left = turn.bytes;
    let segments = 0;
    while (left > 0) {
      const len = Math.min(spec.mss, left);
      while (ackAt.length > 0 && ackAt[0] <= t) {
        yield emit(ackAt.shift()!, back, 0, fromClient ? sseq : cseq, ackSeq.shift()!, ACK);
      }
      left -= len;
      const seq = fromClient ? cseq : sseq;
      yield emit(t, data, len, seq, fromClient ? sseq : cseq, left === 0 ? ACK | PSH : ACK);
      const end = (seq + len) >>> 0;
      if (fromClient) cseq = end;
      else sseq = end;
      if (++segments % spec.ackEvery === 0 || left === 0) {
        ackAt.push(t + half);
        ackSeq.push(end);
      }
      t += (data.frameLength(len) * 8 * 1e9) / spec.bitsPerSecond;
    }
    while (ackAt.length > 0) {
      t = Math.max(t, ackAt[0]);
      yield emit(ackAt.shift()!, back, 0, fromClient ? sseq : cseq, ackSeq.shift()!, ACK);
    }
  }
  t += half;
  if (spec.fin === false) {
    yield emit(t, spec.c2s, 0, cseq, sseq, RST | ACK);
    return;
  }
  yield emit(t, spec.c2s, 0, cseq, sseq, FIN | ACK);
  cseq = (cseq + 1) >>> 0;
  t += half;
  yield emit(t, spec.s2c, 0, sseq, cseq, FIN | ACK);
  sseq = (sseq + 1) >>> 0;
  t += half;
  yield emit(t, spec.c2s, 0, cseq, sseq, ACK);
}

/** A UDP sender that repeats every `periodNs` (with jitter) until `until`. */
export function* udpPeriodic(template: PacketTemplate, start: number, periodNs: number, payload: number, until: number, jitter: () => number): Activity {
  const p = new SynthPacket();
  p.template = template;
  p.payload = payload;
  for (let t = start; t < until; t += periodNs * (0.95 + 0.1 * jitter())) {
    p.at = t;
    yield p;
  }
}
