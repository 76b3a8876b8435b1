import { classByPort, servicePorts } from '../classify/ports.js';
import { ENCAP_ERSPAN1, ENCAP_ERSPAN2, ENCAP_ERSPAN3, ENCAP_NONE, IPPROTO_TCP } from '../decode/packet.js';
import type { Flow, FlowSide } from '../flow/flow.js';
import { ipv4FromWord, ipv6FromWords, macFromParts } from '../net/address.js';
import type { ClientBasis, DirectionRecord, EncapsulationRecord, FlowRecord, MacPairRecord } from '../contract/report.js';
import { isoTime, secondsBetween } from './time.js';

const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

/**
 * Which end is the client: the sender of the first SYN; else the receiver of the first SYN-ACK;
 * else the end not on a known service port; else the end on the higher (ephemeral) port; else
 * the sender of the first packet. The basis is reported with the flow.
 */
export function decideClient(flow: Flow): { clientIsA: boolean; basis: ClientBasis } {
  if (flow.synFrom !== 0) return { clientIsA: flow.synFrom === 1, basis: 'syn' };
  if (flow.synAckFrom !== 0) return { clientIsA: flow.synAckFrom === -1, basis: 'syn-ack' };
  const ports = servicePorts(flow.protocol === IPPROTO_TCP ? 'tcp' : 'udp');
  const aService = ports.has(flow.portA);
  const bService = ports.has(flow.portB);
  if (aService !== bService) return { clientIsA: bService, basis: 'service-port' };
  if (flow.portA !== flow.portB) return { clientIsA: flow.portA > flow.portB, basis: 'lower-port' };
  return { clientIsA: flow.firstFrom === 1, basis: 'first-packet' };
}

export function addressText(version: number, words: ArrayLike<number>): string {
  return version === 4 ? ipv4FromWord(words[0]) : ipv6FromWords(words[0], words[1], words[2], words[3]);
}

function macPairs(side: FlowSide): MacPairRecord[] {
  return side.macPairs.map((m) => ({
    src: macFromParts(m.srcHi, m.srcLo),
    dst: m.dstHi < 0 ? null : macFromParts(m.dstHi, m.dstLo),
    packets: m.packets,
    firstFrame: m.firstFrame,
  }));
}

/** The source MAC an end used most. */
function mainMac(pairs: MacPairRecord[]): string | null {
  let best: MacPairRecord | null = null;
  for (const p of pairs) if (best === null || p.packets > best.packets) best = p;
  return best?.src ?? null;
}

function directionRecord(side: FlowSide, tcp: boolean, digits: number, macs: MacPairRecord[]): DirectionRecord {
  const seen = side.packets > 0;
  return {
    packets: side.packets,
    bytes: side.bytes,
    payloadBytes: side.payloadBytes,
    seqBytes: tcp && side.seqStarted ? side.seqBytes : null,
    retransmittedBytes: tcp && side.seqStarted ? side.retransmittedBytes : null,
    start: seen ? isoTime(side.firstSec, side.firstNsec, digits) : null,
    end: seen ? isoTime(side.lastSec, side.lastNsec, digits) : null,
    firstFrame: seen ? side.firstFrame : null,
    lastFrame: seen ? side.lastFrame : null,
    macs,
    otherMacPackets: side.macPairOverflow,
    vlans: side.vlans.slice().sort((a, b) => a - b),
    untaggedPackets: side.untagged,
    ttl: side.ttlMax >= 0 ? { min: side.ttlMin, max: side.ttlMax, minFrame: side.ttlMinFrame, maxFrame: side.ttlMaxFrame } : null,
    tcpFlags: TCP_FLAG_NAMES.filter((_, bit) => (side.tcpFlags & (1 << bit)) !== 0),
    headerCutPackets: side.headerCut,
    duplicatePackets: side.duplicates,
  };
}

const ENCAP_KINDS: Record<number, EncapsulationRecord['kind']> = {
  [ENCAP_ERSPAN1]: 'erspan1',
  [ENCAP_ERSPAN2]: 'erspan2',
  [ENCAP_ERSPAN3]: 'erspan3',
};

function encapsulation(flow: Flow): EncapsulationRecord | null {
  if (flow.encap === ENCAP_NONE) return null;
  return {
    kind: ENCAP_KINDS[flow.encap] ?? 'gre',
    session: flow.encapSession < 0 ? null : flow.encapSession,
    outer: { src: flow.outerSrc, dst: flow.outerDst, srcMac: flow.outerSrcMac, dstMac: flow.outerDstMac },
    packets: flow.encapPackets,
  };
}

/** The contract's flow record, before inventory attribution (host/vmk) and path verdicts. */
export function flowRecord(flow: Flow, id: string, capture: number, digits: number): FlowRecord {
  const { clientIsA, basis } = decideClient(flow);
  const tcp = flow.protocol === IPPROTO_TCP;
  const protocol = tcp ? 'tcp' : 'udp';
  const clientSide = clientIsA ? flow.sideA : flow.sideB;
  const serverSide = clientIsA ? flow.sideB : flow.sideA;
  const clientMacs = macPairs(clientSide);
  const serverMacs = macPairs(serverSide);
  const ipA = addressText(flow.ipVersion, flow.addrA);
  const ipB = addressText(flow.ipVersion, flow.addrB);
  const serverPort = clientIsA ? flow.portB : flow.portA;
  const timeline = flow.timeline;
  const extents: [number, number][] = [];
  for (let i = 0; i < flow.extents.length; i += 2) extents.push([flow.extents[i], flow.extents[i + 1]]);
  const vlans = [...new Set([...flow.sideA.vlans, ...flow.sideB.vlans])].sort((a, b) => a - b);
  return {
    id,
    protocol,
    client: { ip: clientIsA ? ipA : ipB, port: clientIsA ? flow.portA : flow.portB, host: null, vmk: null, mac: mainMac(clientMacs) },
    server: { ip: clientIsA ? ipB : ipA, port: serverPort, host: null, vmk: null, mac: mainMac(serverMacs) },
    packets: flow.packets,
    bytes: clientSide.bytes + serverSide.bytes,
    clientBytes: clientSide.bytes,
    serverBytes: serverSide.bytes,
    payloadBytes: clientSide.payloadBytes + serverSide.payloadBytes,
    start: isoTime(flow.firstSec, flow.firstNsec, digits),
    end: isoTime(flow.lastSec, flow.lastNsec, digits),
    class: classByPort(protocol, serverPort),
    classBasis: `${protocol.toUpperCase()} port ${serverPort} (port table)`,
    vlans,
    encapsulation: encapsulation(flow),
    path: { routed: null, gateway: null, evidence: [] },
    capture,
    clientBasis: basis,
    durationSeconds: secondsBetween(flow.firstSec, flow.firstNsec, flow.lastSec, flow.lastNsec),
    directions: {
      clientToServer: directionRecord(clientSide, tcp, digits, clientMacs),
      serverToClient: directionRecord(serverSide, tcp, digits, serverMacs),
    },
    frames: {
      first: flow.firstFrame,
      last: Math.max(flow.sideA.lastFrame, flow.sideB.lastFrame),
      samples: flow.samples.slice(),
      syn: flow.synFrame || null,
      fin: flow.finFrame || null,
      rst: flow.rstFrame || null,
    },
    fileOffsets: { first: flow.extents[0], last: flow.extents[flow.extents.length - 1], extents },
    timeline: {
      start: isoTime(timeline.startSec, 0, 0),
      bucketSeconds: timeline.width,
      clientToServer: timeline.sides[clientIsA ? 0 : 1],
      serverToClient: timeline.sides[clientIsA ? 1 : 0],
    },
  };
}
