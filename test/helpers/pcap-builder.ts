import { PacketTemplate, type TemplateSpec } from '../../core/synth/packet-template.js';

/** One packet of a hand-made capture. */
export interface BuiltPacket {
  template: PacketTemplate;
  /** Seconds since the epoch (fractions allowed, microsecond precision). */
  time: number;
  payload?: number;
  seq?: number;
  ack?: number;
  flags?: number;
}

const FILL = new Uint8Array(9000).fill(0xab);

export function template(spec: Partial<TemplateSpec> & Pick<TemplateSpec, 'protocol'>): PacketTemplate {
  return new PacketTemplate({
    src: spec.src ?? { mac: [0, 0x50, 0x56, 0, 0, 1], ip: [198, 18, 20, 11] },
    dst: spec.dst ?? { mac: [0, 0x50, 0x56, 0, 0, 2], ip: [198, 18, 20, 12] },
    dstMac: spec.dstMac,
    vlan: spec.vlan ?? null,
    ttl: spec.ttl ?? 64,
    protocol: spec.protocol,
    srcPort: spec.srcPort ?? 50000,
    dstPort: spec.dstPort ?? 8000,
    timestamps: spec.timestamps,
  });
}

/** A little-endian microsecond pcap holding `packets`, for tests that need exact sequences. */
export function buildPcap(packets: BuiltPacket[], snaplen = 262144): Buffer {
  const chunks: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(snaplen, 16);
  header.writeUInt32LE(1, 20);
  chunks.push(header);
  const frame = new Uint8Array(10000);
  for (const p of packets) {
    const len = p.template.write(frame, 0, p.payload ?? 0, FILL, p.seq ?? 0, p.ack ?? 0, p.flags ?? 0x10, 0);
    const cap = Math.min(len, snaplen);
    const rec = Buffer.alloc(16);
    const sec = Math.floor(p.time);
    rec.writeUInt32LE(sec, 0);
    rec.writeUInt32LE(Math.round((p.time - sec) * 1e6), 4);
    rec.writeUInt32LE(cap, 8);
    rec.writeUInt32LE(len, 12);
    chunks.push(rec, Buffer.from(frame.subarray(0, cap)));
  }
  return Buffer.concat(chunks);
}
