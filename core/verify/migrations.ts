import type { MigrationRecord } from '../contract/report.js';
import { isoTime } from '../report/time.js';
import { MAX_BUCKETS } from '../flow/timeline.js';
import type { AttributedFlow, EndpointRole } from './attribute.js';
import { overlaps } from './attribute.js';

/** Flows of one migration further apart than this are two migrations. */
const GAP_SECONDS = 2;

export interface Migration {
  record: MigrationRecord;
  flows: AttributedFlow[];
}

function kindOf(f: AttributedFlow): MigrationRecord['kind'] | null {
  switch (f.record.class) {
    case 'vmotion':
      return 'vmotion';
    case 'nfc':
      return 'cold';
    case 'udt-data':
    case 'udt-control':
      return 'udt';
    default:
      return null;
  }
}

/** A host by name, or an address the inventory does not know. */
function party(r: EndpointRole, ip: string): string {
  return r.kind === 'vmk' ? r.vmk.host.name : r.kind === 'unknown' ? ip : r.name;
}

/** One TCP connection seen in several captures (both ends of a migration) counts once. */
function connectionKey(f: AttributedFlow): string {
  const r = f.record;
  return `${r.protocol} ${r.client.ip}:${r.client.port} ${r.server.ip}:${r.server.port}`;
}

/**
 * Group migration flows: concurrent TCP 8000 flows between one pair of hosts are one vMotion
 * (its streams), host-to-host NFC between them one cold migration, UDT control and data one UDT
 * migration. The source is the side that opened the connections (the source host connects to the
 * destination's port [INF, vsphere-traffic.md 7.1 and 7.3]).
 */
export function groupMigrations(flows: AttributedFlow[]): Migration[] {
  const candidates = flows.filter((f) => kindOf(f) !== null).sort((a, b) => a.start - b.start);
  const groups: { kind: MigrationRecord['kind']; source: string; dest: string; flows: AttributedFlow[]; end: number }[] = [];
  for (const f of candidates) {
    const kind = kindOf(f)!;
    const source = party(f.client, f.record.client.ip);
    const dest = party(f.server, f.record.server.ip);
    const open = groups.find((g) => g.kind === kind && g.source === source && g.dest === dest && overlaps({ start: f.start, end: f.end }, { start: g.flows[0].start, end: g.end }, GAP_SECONDS));
    if (open) {
      open.flows.push(f);
      open.end = Math.max(open.end, f.end);
    } else groups.push({ kind, source, dest, flows: [f], end: f.end });
  }
  return groups.map((g, i) => {
    const connections = new Map<string, AttributedFlow>();
    for (const f of g.flows) {
      const known = connections.get(connectionKey(f));
      if (!known || f.record.bytes > known.record.bytes) connections.set(connectionKey(f), f);
    }
    const unique = [...connections.values()];
    // Reductions, not Math.min(...spread): a migration can have more streams than call arguments fit.
    const first = g.flows.reduce((a, b) => (b.start < a.start ? b : a));
    const last = g.flows.reduce((a, b) => (b.end > a.end ? b : a));
    const start = first.start;
    const end = last.end;
    const bytes = unique.reduce((s, f) => s + f.record.bytes, 0);
    const dataBytes = unique.reduce((s, f) => s + f.record.clientBytes, 0);
    const duration = end - start;
    const label = (r: EndpointRole, ip: string): string => (r.kind === 'vmk' ? r.vmk.label : ip);
    const record: MigrationRecord = {
      id: `m${i + 1}`,
      kind: g.kind,
      sourceHost: g.source,
      destHost: g.dest,
      start: first.record.start,
      end: last.record.end,
      bytes,
      streams: g.kind === 'udt' ? unique.filter((f) => f.record.class === 'udt-data').length : unique.length,
      flows: g.flows.map((f) => f.record.id),
      sourceVmks: [...new Set(g.flows.map((f) => label(f.client, f.record.client.ip)))],
      destVmks: [...new Set(g.flows.map((f) => label(f.server, f.record.server.ip)))],
      dataBytes,
      durationSeconds: duration,
      throughputBitsPerSecond: duration > 0 ? (dataBytes * 8) / duration : null,
      timeline: migrationTimeline(unique),
    };
    return { record, flows: g.flows };
  });
}

/**
 * Source-to-destination frame bytes per bucket, summed over the migration's streams. Buckets are
 * as wide as the widest stream's (powers of two, so they nest), doubled while the migration would
 * need more than MAX_BUCKETS: streams far apart in time (a capture whose clock jumped) cannot
 * make a timeline of millions of buckets.
 */
function migrationTimeline(flows: AttributedFlow[]): MigrationRecord['timeline'] {
  let width = 1;
  let start = Infinity;
  let end = -Infinity;
  for (const f of flows) {
    const t = f.record.timeline;
    const base = Date.parse(t.start) / 1000;
    width = Math.max(width, t.bucketSeconds);
    start = Math.min(start, base);
    end = Math.max(end, base + t.clientToServer.length * t.bucketSeconds);
  }
  while ((end - start) / width > MAX_BUCKETS) width *= 2;
  const values = new Array<number>(Math.max(1, Math.ceil((end - start) / width))).fill(0);
  for (const f of flows) {
    const t = f.record.timeline;
    const base = Date.parse(t.start) / 1000;
    t.clientToServer.forEach((bytes, i) => {
      values[Math.floor((base + i * t.bucketSeconds - start) / width)] += bytes;
    });
  }
  return { start: isoTime(start, 0, 0), bucketSeconds: width, sourceToDest: values };
}
