import type { FlowRecord } from '../../contract/report.js';
import { byFlowId, evidence, EvidenceList, type FlowCheck, type FlowRule, type Rule, type RuleContext, type Verdict } from './rule.js';

const MIGRATION_CLASSES = new Set(['vmotion', 'nfc', 'udt-data', 'udt-control']);

/** What a per-flow check keeps of a flow it flags: its id, capture, first frame and its figures. */
interface Hit {
  id: string;
  capture: number;
  first: number;
  a: number;
  b: number;
}

/**
 * A check over every flow that reports per capture: `pick` gives a flagged flow's two figures
 * (or null), `make` turns one capture's flagged flows, in id order, into a verdict. Only the hits
 * are kept, so a million clean flows cost nothing.
 */
function perCaptureCheck(pick: (f: FlowRecord) => [number, number] | null, make: (ctx: RuleContext, capture: number, hits: Hit[]) => Verdict): () => FlowCheck {
  return () => {
    const hits: Hit[] = [];
    return {
      observe(f) {
        const v = pick(f);
        if (v !== null) hits.push({ id: f.id, capture: f.capture, first: f.frames.first, a: v[0], b: v[1] });
      },
      verdicts(ctx) {
        hits.sort((x, y) => byFlowId(x.id, y.id));
        const out: Verdict[] = [];
        ctx.captures.forEach((_, i) => {
          const mine = hits.filter((h) => h.capture === i);
          if (mine.length > 0) out.push(make(ctx, i, mine));
        });
        return out;
      },
    };
  };
}

function perCapture(ctx: RuleContext, pick: (f: FlowRecord) => boolean, make: (capture: number, flows: FlowRecord[]) => Verdict): Verdict[] {
  const out: Verdict[] = [];
  ctx.captures.forEach((_, i) => {
    const flows = ctx.flows.map((f) => f.record).filter((f) => f.capture === i && pick(f));
    if (flows.length > 0) out.push(make(i, flows));
  });
  return out;
}

/** capture-quality.sliced: a snaplen cut records short. */
export const slicedRule: FlowRule = {
  id: 'capture-quality.sliced',
  category: 'capture-quality',
  start() {
    // Flows whose transport headers the snaplen cut, per capture, in id order.
    const cut: string[][] = [];
    return {
      observe(f) {
        if (f.directions.clientToServer.headerCutPackets + f.directions.serverToClient.headerCutPackets > 0) (cut[f.capture] ??= []).push(f.id);
      },
      verdicts(ctx) {
        return ctx.captures
          .map((c, i) => ({ c, i, flows: (cut[i] ?? []).sort(byFlowId) }))
          .filter(({ c }) => c.slicedFrames > 0)
          .map(({ c, i, flows }) => ({
            status: flows.length > 0 ? ('warn' as const) : ('info' as const),
            title: `${c.file}: ${c.slicedFrames} of ${c.packets} frames captured short (smallest ${c.smallestCapturedLength} bytes)`,
            detail: `The capture kept fewer bytes than were on the wire (snaplen ${c.interfaces.map((x) => x.snaplen).join('/')}). Byte counts stay exact: they come from each record's original length.${flows.length > 0 ? ` In ${flows.length} flow(s) even transport headers were cut, so their sequence numbers or ports may be missing.` : ''}`,
            flows,
            evidence: [evidence('capture', `first short frame: ${ctx.frame(i, c.firstSlicedFrame!)}`, [c.firstSlicedFrame!], i)],
          }));
      },
    };
  },
};

/** capture-quality.drops: the capturing interface or OS dropped packets (pcapng statistics). */
export const dropsRule: Rule = {
  id: 'capture-quality.drops',
  category: 'capture-quality',
  check(ctx) {
    return ctx.captures
      .map((c, i) => ({ c, i, drops: c.drops.filter((d) => (d.ifDrop ?? 0) + (d.osDrop ?? 0) > 0) }))
      .filter(({ drops }) => drops.length > 0)
      .map(({ c, i, drops }) => ({
        status: 'warn' as const,
        title: `${c.file}: the capture dropped ${drops.reduce((s, d) => s + (d.ifDrop ?? 0) + (d.osDrop ?? 0), 0)} packet(s)`,
        detail: 'The capture file\'s interface statistics report packets the interface or the OS did not deliver to the capture. Flows of that time may be missing packets; byte counts are a lower bound.',
        flows: [],
        evidence: drops.map((d) => evidence('statistics', `interface ${d.interface}: ${d.ifDrop ?? 0} dropped by the interface, ${d.osDrop ?? 0} by the OS`, [], i)),
      }));
  },
};

/** capture-quality.one-direction: a migration flow seen one way only. */
export const oneDirectionRule: Rule = {
  id: 'capture-quality.one-direction',
  category: 'capture-quality',
  check(ctx) {
    return perCapture(
      ctx,
      (f) => MIGRATION_CLASSES.has(f.class) && (f.directions.clientToServer.packets === 0 || f.directions.serverToClient.packets === 0),
      (i, flows) => ({
        status: 'warn',
        title: `${ctx.captures[i].file}: ${flows.length} migration flow(s) seen in one direction only`,
        detail: 'pktcap-uw captures one direction per capture point unless --dir 2 is given. Evidence that needs the other direction (its MACs, TTLs, ACKs) is missing for these flows.',
        flows: flows.map((f) => f.id),
        evidence: flows.map((f) => evidence('flow', `${f.id}: only ${f.directions.clientToServer.packets === 0 ? 'server → client' : 'client → server'} (${ctx.frame(i, f.frames.first)})`, [f.frames.first], i)),
      }),
    );
  },
};

function missing(d: FlowRecord['directions']['clientToServer']): number {
  if (d.seqBytes === null || d.retransmittedBytes === null) return 0;
  return Math.max(0, d.seqBytes - (d.payloadBytes - d.retransmittedBytes));
}

/** capture-quality.missing-bytes: sequence numbers cover bytes the capture does not hold. */
export const missingBytesRule: FlowRule = {
  id: 'capture-quality.missing-bytes',
  category: 'capture-quality',
  start: perCaptureCheck(
    (f) => {
      if (f.protocol !== 'tcp') return null;
      const c2s = missing(f.directions.clientToServer);
      const s2c = missing(f.directions.serverToClient);
      return c2s + s2c > 0 ? [c2s, s2c] : null;
    },
    (ctx, i, hits) => ({
      status: 'warn',
      title: `${ctx.captures[i].file}: TCP sequence numbers show ${hits.reduce((s, h) => s + h.a + h.b, 0)} payload bytes the capture missed, in ${hits.length} flow(s)`,
      detail: 'The sequence space each direction covered is larger than the payload captured (retransmissions accounted for): segments passed the capture point without being recorded (drops, a mirror or capture filter, a capture started late). Frame-byte counts of these flows are lower than what crossed the wire.',
      flows: hits.map((h) => h.id),
      evidence: EvidenceList.offering(hits, (h) => evidence('sequence', `${h.id}: ${h.a} bytes missing client → server, ${h.b} server → client (${ctx.frame(i, h.first)})`, [h.first], i), 'sequence'),
    }),
  ),
};

/** capture-quality.duplicates: the same frame captured twice. */
export const duplicatesRule: FlowRule = {
  id: 'capture-quality.duplicates',
  category: 'capture-quality',
  start: perCaptureCheck(
    (f) => {
      const dup = f.directions.clientToServer.duplicatePackets + f.directions.serverToClient.duplicatePackets;
      return dup > 0 ? [dup, 0] : null;
    },
    (ctx, i, hits) => ({
      status: 'warn',
      title: `${ctx.captures[i].file}: ${hits.reduce((s, h) => s + h.a, 0)} frame(s) captured twice, in ${hits.length} flow(s)`,
      detail: 'Frames with the same IP identification, sequence number and length followed each other in one direction: the same packet recorded at two points (a vmk and its uplink, both uplinks of a team, overlapping mirror sessions). Packet and byte counts of these flows are inflated by the copies.',
      flows: hits.map((h) => h.id),
      evidence: EvidenceList.offering(hits, (h) => evidence('duplicates', `${h.id}: ${h.a} duplicate frame(s) (${ctx.frame(i, h.first)})`, [h.first], i), 'duplicates'),
    }),
  ),
};

/** capture-quality.migration-flow-limit: more migration-port flows than vmkscope judges at once. */
export const migrationFlowLimitRule: Rule = {
  id: 'capture-quality.migration-flow-limit',
  category: 'capture-quality',
  check(ctx) {
    if (ctx.unjudged === 0) return [];
    return [
      {
        status: 'warn',
        title: `${ctx.unjudged} flows on migration ports were not judged: the first ${ctx.flows.length} were`,
        detail: `More flows on TCP 8000, TCP 902 and UDP 902 carried data than vmkscope holds at once (${ctx.flows.length}). Those beyond are counted and listed with their port classes, but not grouped into migrations, attributed to migration verdicts, or checked against the migration rules. No site moves that many streams in one capture: look for a scan or a flood on these ports, or split the capture by time (editcap -A/-B).`,
        flows: [],
        evidence: [],
      },
    ];
  },
};
