import type Database from 'better-sqlite3';
import os from 'node:os';
import type {
  AnalysisDetail,
  AnalysisStatus,
  AnalysisSummary,
  FlowPage,
  FlowQuery,
  FlowRow,
  FlowSortKey,
  MatrixCell,
  TimelineQuery,
  TimelineResult,
} from '../../core/contract/engine-api.js';
import type { Inventory } from '../../core/contract/inventory.js';
import { flowNumber, withFlows, type AnalysisReport, type CaptureRecord, type FindingRecord, type FindingStatus, type FlowRecord, type MigrationRecord, type ReportHead } from '../../core/contract/report.js';
import { FlowDigest, LARGEST_FLOWS } from '../../core/report/digest.js';
import type { ReportSink } from '../../core/report/sink.js';
import { StoreError, asStoreError, openDatabase } from './database.js';

/** Flows written per transaction: big enough to amortise the commit, small enough to stay responsive. */
const FLOW_BATCH = 5000;
const MAX_PAGE = 1000;
/** Series a timeline answers with at most (the largest keys; the rest summed as OTHER_SERIES). */
const MAX_SERIES = 24;
const OTHER_SERIES = '(the rest)';
/** Keys the series table keeps per grouping; a timeline of more could not be read anyway. */
const SERIES_KEYS = 1000;
const SEVERITY: Record<FindingStatus, number> = { fail: 4, warn: 3, pass: 2, info: 1 };

const SORT_COLUMNS: Record<FlowSortKey, string> = { bytes: 'bytes', packets: 'packets', start: 'start', duration: 'duration', id: 'seq' };

/** The store as a sink: it writes as it is fed, so nothing asks the caller to wait. */
export interface StoreSink extends ReportSink {
  flow(f: FlowRecord): void;
  end(): void;
}

interface AnalysisRow {
  id: number;
  created_at: string;
  finished_at: string | null;
  status: 'running' | 'complete' | 'failed';
  pid: number | null;
  host: string | null;
  tool_version: string;
  inputs: string;
  inventory: string | null;
  policy: string | null;
  summary: string | null;
  packets: number;
  bytes: number;
  flow_count: number;
  migration_count: number;
  error: string | null;
}

interface FlowDbRow {
  seq: number;
  capture_idx: number;
  protocol: 'tcp' | 'udp';
  client_ip: string;
  client_port: number;
  client_host: string | null;
  client_vmk: string | null;
  server_ip: string;
  server_port: number;
  server_host: string | null;
  server_vmk: string | null;
  class: FlowRow['class'];
  packets: number;
  bytes: number;
  start: string;
  end: string;
  duration: number;
  routed: number | null;
  gateway: string | null;
  verdict: FindingStatus | null;
}

function flowSeq(id: string): number {
  const n = flowNumber(id);
  if (n === null) throw new StoreError(`"${id}" is not a flow id (f1, f2, ...)`);
  return n;
}

/** Whether the process that started a running analysis is gone (only knowable on its own host). */
function writerGone(row: { pid: number | null; host: string | null }): boolean {
  if (row.pid === null || row.host !== os.hostname()) return false;
  if (row.pid === process.pid) return false;
  try {
    process.kill(row.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Every analysis kept in SQLite: written in batched transactions, read back by the pages the UI
 * and `vmkscope db` need. Statements are prepared once.
 */
export class AnalysisStore {
  private readonly insertFlow;
  private readonly insertRecord;
  private readonly insertEnd;
  private readonly insertBucket;

  constructor(readonly db: Database.Database) {
    this.insertFlow = db.prepare(`INSERT INTO flows (analysis_id, seq, capture_idx, protocol, client_ip, client_port, client_host, client_vmk,
      server_ip, server_port, server_host, server_vmk, class, packets, bytes, start, end, duration, routed, gateway, verdict)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertRecord = db.prepare('INSERT INTO flow_records (flow_id, record) VALUES (?, ?)');
    this.insertEnd = db.prepare('INSERT INTO flow_ends (analysis_id, seq, side, ip, port, host, vmk) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertBucket = db.prepare('INSERT INTO buckets (analysis_id, seq, t, width, c2s, s2c) VALUES (?, ?, ?, ?, ?, ?)');
  }

  static open(file: string): AnalysisStore {
    return new AnalysisStore(openDatabase(file));
  }

  close(): void {
    this.db.close();
  }

  /** A running analysis, committed at once so a crash leaves a visible trace of it. */
  begin(inputs: string[], toolVersion: string): number {
    const r = this.writing(() =>
      this.db
      .prepare("INSERT INTO analyses (created_at, status, pid, host, tool_version, inputs) VALUES (?, 'running', ?, ?, ?, ?)")
      .run(new Date().toISOString(), process.pid, os.hostname(), toolVersion, JSON.stringify(inputs)),
    );
    return Number(r.lastInsertRowid);
  }

  /** A write whose failure for want of disk is a StoreError naming the database. */
  private writing<T>(write: () => T): T {
    try {
      return write();
    } catch (err) {
      throw asStoreError(err, this.db.name);
    }
  }

  /** The complete analysis of exactly these captures, inventory, policy and tool version, if any. */
  findComplete(fingerprint: string): number | null {
    const row = this.db.prepare("SELECT id FROM analyses WHERE fingerprint = ? AND status = 'complete' ORDER BY id LIMIT 1").get(fingerprint) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** Record the fingerprint as soon as it is known: a rerun after a crash finds the leftover by it. */
  setFingerprint(id: number, fingerprint: string): void {
    this.writing(() => this.db.prepare('UPDATE analyses SET fingerprint = ? WHERE id = ?').run(fingerprint, id));
  }

  /**
   * A sink that writes a verified analysis as its flows stream: flows in batched transactions,
   * then captures, inventory, migrations and findings with the status change in one last
   * transaction. Earlier incomplete attempts at the same analysis (same fingerprint, or same
   * inputs with no fingerprint yet) whose writer is gone are removed in that transaction: a
   * rerun completes what a crash interrupted.
   */
  writer(id: number, fingerprint: string, policy: unknown): StoreSink {
    const verdicts = new Map<string, FindingStatus>();
    let head: ReportHead | null = null;
    let batch: FlowRecord[] = [];
    let count = 0;
    const transaction = this.db.transaction((flows: FlowRecord[]) => {
      for (const f of flows) this.writeFlow(id, f, verdicts.get(f.id) ?? null);
    });
    const writeFlows = (flows: FlowRecord[]): void => this.writing(() => transaction(flows));
    return {
      begin: (h) => {
        head = h;
        for (const f of h.findings) {
          for (const flow of f.flows) {
            const known = verdicts.get(flow);
            if (known === undefined || SEVERITY[f.status] > SEVERITY[known]) verdicts.set(flow, f.status);
          }
        }
      },
      flow: (f) => {
        batch.push(f);
        count++;
        if (batch.length === FLOW_BATCH) {
          writeFlows(batch);
          batch = [];
        }
      },
      end: () => {
        writeFlows(batch);
        batch = [];
        this.writing(() => this.finish(id, head!, count, fingerprint, policy));
      },
    };
  }

  /**
   * Replace what a live capture's analysis holds with a newer snapshot, in one transaction, so a
   * reader (`vmkscope db show`, the app; WAL lets them read while this writes) sees either the
   * previous snapshot or this one, never a mix. The status stays `running` until `final`, when it
   * becomes `complete`. Everything the analysis found is cleared through the tables that reference
   * it (their cascades take the rest) and written again as writer() writes it, whose own
   * transactions nest here as savepoints. A live analysis has a fingerprint of its own from the
   * start, so the clean-up of crashed attempts never takes another capture's results for one.
   */
  replaceSnapshot(id: number, head: ReportHead, flows: Iterable<FlowRecord>, fingerprint: string, policy: unknown, final: boolean): void {
    const children = this.db
      .prepare("SELECT DISTINCT m.name AS name FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) k WHERE m.type = 'table' AND k.\"table\" = 'analyses'")
      .all() as { name: string }[];
    this.writing(() =>
      this.db.transaction(() => {
        for (const { name } of children) this.db.prepare(`DELETE FROM "${name}" WHERE analysis_id = ?`).run(id);
        const sink = this.writer(id, fingerprint, policy);
        sink.begin(head);
        for (const f of flows) sink.flow(f);
        sink.end();
        if (!final) this.db.prepare("UPDATE analyses SET status = 'running', finished_at = NULL WHERE id = ?").run(id);
      })(),
    );
  }

  /** Earlier attempts at the analysis `id` is (same fingerprint, or same inputs before one was known) whose writer is gone. */
  private dropLeftovers(id: number, fingerprint: string): void {
    const me = this.db.prepare('SELECT inputs FROM analyses WHERE id = ?').get(id) as { inputs: string };
    const leftovers = this.db
      .prepare("SELECT id, pid, host FROM analyses WHERE id != ? AND status = 'running' AND (fingerprint = ? OR (fingerprint IS NULL AND inputs = ?))")
      .all(id, fingerprint, me.inputs) as { id: number; pid: number | null; host: string | null }[];
    const drop = this.db.prepare('DELETE FROM analyses WHERE id = ?');
    for (const l of leftovers) if (writerGone(l)) drop.run(l.id);
  }

  /**
   * Drop analysis `id`, found to repeat a complete one (same fingerprint), with the leftovers of
   * attempts at it that were killed: a rerun tidies up whether it writes or finds its result.
   */
  discardRepeat(id: number, fingerprint: string): void {
    this.writing(() =>
      this.db.transaction(() => {
        this.dropLeftovers(id, fingerprint);
        this.db.prepare('DELETE FROM analyses WHERE id = ?').run(id);
      })(),
    );
  }

  private finish(id: number, report: ReportHead, flowCount: number, fingerprint: string, policy: unknown): void {
    this.db.transaction(() => {
      const db = this.db;
      const cap = db.prepare('INSERT INTO captures (analysis_id, idx, file, sha256, format, compression, size, packets, bytes, start, end, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      report.captures.forEach((c, i) => cap.run(id, i, c.file, c.sha256, c.format, c.compression, c.size, c.packets, c.bytes, c.start, c.end, JSON.stringify(c)));
      const vmk = db.prepare('INSERT INTO vmks (analysis_id, host, device, ip, mac, vlan, netstack, services) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      for (const h of report.inventory?.hosts ?? []) for (const v of h.vmks) vmk.run(id, h.name, v.device, v.ip, v.mac, v.vlan, v.netstack, JSON.stringify(v.services));
      const mig = db.prepare('INSERT INTO migrations (analysis_id, id, kind, source_host, dest_host, start, end, bytes, streams, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      for (const m of report.migrations) mig.run(id, m.id, m.kind, m.sourceHost, m.destHost, m.start, m.end, m.bytes, m.streams, JSON.stringify(m));
      const fin = db.prepare('INSERT INTO findings (analysis_id, id, ord, rule, category, status, title, detail, flows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const ev = db.prepare('INSERT INTO evidence (analysis_id, finding_id, ord, kind, text, frames, capture_idx) VALUES (?, ?, ?, ?, ?, ?, ?)');
      report.findings.forEach((f, i) => {
        fin.run(id, f.id, i, f.rule, f.category, f.status, f.title, f.detail, JSON.stringify(f.flows));
        f.evidence.forEach((e, k) => ev.run(id, f.id, k, e.kind, e.text, JSON.stringify(e.frames), e.capture));
      });
      this.summarise(id);
      this.dropLeftovers(id, fingerprint);
      db.prepare(
        `UPDATE analyses SET status = 'complete', finished_at = ?, fingerprint = ?, inventory = ?, policy = ?, summary = ?, packets = ?, bytes = ?,
         flow_count = ?, migration_count = ?, tool_version = ? WHERE id = ?`,
      ).run(
        new Date().toISOString(),
        fingerprint,
        JSON.stringify(report.inventory),
        JSON.stringify(policy),
        JSON.stringify(report.summary),
        report.captures.reduce((s, c) => s + c.packets, 0),
        report.captures.reduce((s, c) => s + c.bytes, 0),
        flowCount,
        report.migrations.length,
        report.tool.version,
        id,
      );
    })();
  }

  /** The matrix and series tables of a written analysis (see schema.ts). */
  private summarise(id: number): void {
    const end = (side: 'client' | 'server', table = ''): string => `COALESCE(${table}${side}_host || '/' || ${table}${side}_vmk, ${table}${side}_ip)`;
    this.db
      .prepare(
        `INSERT INTO matrix (analysis_id, client_host, client_vmk, client_ip, server_host, server_vmk, server_ip, class, flows, bytes, routed, severity)
         SELECT analysis_id, client_host, client_vmk, MIN(client_ip), server_host, server_vmk, MIN(server_ip), class, COUNT(*), SUM(bytes),
                CASE WHEN MAX(routed) = 1 THEN 1 WHEN MIN(routed) = 0 THEN 0 END,
                MAX(CASE verdict WHEN 'fail' THEN 4 WHEN 'warn' THEN 3 WHEN 'pass' THEN 2 WHEN 'info' THEN 1 ELSE 0 END)
         FROM flows WHERE analysis_id = ? GROUP BY ${end('client')}, ${end('server')}, class`,
      )
      .run(id);
    for (const [grouping, key] of [
      ['class', 'f.class'],
      ['vmkPair', `${end('client', 'f.')} || ' → ' || ${end('server', 'f.')}`],
    ]) {
      // The SERIES_KEYS largest keys keep their own series; the rest go to OTHER_SERIES, so a
      // million one-flow client pairs make one series, not a million.
      this.db
        .prepare(
          `WITH keyed AS (
             SELECT ${key} AS key, b.t AS t, b.c2s + b.s2c AS bytes
             FROM buckets b JOIN flows f ON f.analysis_id = b.analysis_id AND f.seq = b.seq WHERE b.analysis_id = ?),
           top AS (SELECT key FROM keyed GROUP BY key ORDER BY SUM(bytes) DESC, key LIMIT ?)
           INSERT INTO series (analysis_id, grouping, key, t, bytes)
           SELECT ?, ?, CASE WHEN key IN top THEN key ELSE '${OTHER_SERIES}' END AS name, t, SUM(bytes) FROM keyed GROUP BY name, t`,
        )
        .run(id, SERIES_KEYS, id, grouping);
    }
  }

  private writeFlow(id: number, f: FlowRecord, verdict: FindingStatus | null): void {
    const seq = flowSeq(f.id);
    const { timeline, ...record } = f;
    const { lastInsertRowid } = this.insertFlow.run(
      id,
      seq,
      f.capture,
      f.protocol,
      f.client.ip,
      f.client.port,
      f.client.host,
      f.client.vmk,
      f.server.ip,
      f.server.port,
      f.server.host,
      f.server.vmk,
      f.class,
      f.packets,
      f.bytes,
      f.start,
      f.end,
      f.durationSeconds,
      f.path.routed === null ? null : f.path.routed ? 1 : 0,
      f.path.gateway,
      verdict,
    );
    this.insertRecord.run(lastInsertRowid, JSON.stringify(record));
    this.insertEnd.run(id, seq, 'c', f.client.ip, f.client.port, f.client.host, f.client.vmk);
    this.insertEnd.run(id, seq, 's', f.server.ip, f.server.port, f.server.host, f.server.vmk);
    const t0 = Date.parse(timeline.start) / 1000;
    const w = timeline.bucketSeconds;
    for (let i = 0; i < timeline.clientToServer.length; i++) {
      const c2s = timeline.clientToServer[i];
      const s2c = timeline.serverToClient[i];
      if (c2s > 0 || s2c > 0) this.insertBucket.run(id, seq, t0 + i * w, w, c2s, s2c);
    }
  }

  fail(id: number, message: string): void {
    this.writing(() => this.db.prepare("UPDATE analyses SET status = 'failed', finished_at = ?, error = ? WHERE id = ?").run(new Date().toISOString(), message, id));
  }

  /** Remove an analysis and everything it found. */
  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM analyses WHERE id = ?').run(id).changes > 0;
  }

  private row(id: number): AnalysisRow {
    const row = this.db.prepare('SELECT * FROM analyses WHERE id = ?').get(id) as AnalysisRow | undefined;
    if (!row) throw new StoreError(`no analysis ${id} in this database`);
    return row;
  }

  private summary(row: AnalysisRow): AnalysisSummary {
    const status: AnalysisStatus = row.status === 'running' && writerGone(row) ? 'interrupted' : row.status;
    return {
      id: row.id,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      status,
      inputs: JSON.parse(row.inputs) as string[],
      toolVersion: row.tool_version,
      summary: row.summary ? (JSON.parse(row.summary) as AnalysisSummary['summary']) : { pass: 0, fail: 0, warn: 0, info: 0 },
      packets: row.packets,
      bytes: row.bytes,
      flowCount: row.flow_count,
      migrationCount: row.migration_count,
      error: row.error ?? (status === 'interrupted' ? 'interrupted: the process writing it stopped before it finished' : null),
    };
  }

  list(): AnalysisSummary[] {
    return (this.db.prepare('SELECT * FROM analyses ORDER BY id DESC').all() as AnalysisRow[]).map((r) => this.summary(r));
  }

  detail(id: number): AnalysisDetail {
    const row = this.row(id);
    const captures = (this.db.prepare('SELECT record FROM captures WHERE analysis_id = ? ORDER BY idx').all(id) as { record: string }[]).map((c) => JSON.parse(c.record) as CaptureRecord);
    const migrations = (this.db.prepare('SELECT record FROM migrations WHERE analysis_id = ? ORDER BY start, id').all(id) as { record: string }[]).map((m) => JSON.parse(m.record) as MigrationRecord);
    return {
      ...this.summary(row),
      captures,
      migrations,
      findings: this.findings(id),
      inventory: row.inventory ? (JSON.parse(row.inventory) as Inventory) : null,
      policy: row.policy ? (JSON.parse(row.policy) as unknown) : null,
    };
  }

  findings(id: number): FindingRecord[] {
    const evidence = this.db.prepare('SELECT kind, text, frames, capture_idx FROM evidence WHERE analysis_id = ? AND finding_id = ? ORDER BY ord');
    return (this.db.prepare('SELECT * FROM findings WHERE analysis_id = ? ORDER BY ord').all(id) as { id: string; rule: string; category: string; status: FindingStatus; title: string; detail: string; flows: string }[]).map((f) => ({
      id: f.id,
      rule: f.rule,
      category: f.category as FindingRecord['category'],
      status: f.status,
      title: f.title,
      detail: f.detail,
      flows: JSON.parse(f.flows) as string[],
      evidence: (evidence.all(id, f.id) as { kind: string; text: string; frames: string; capture_idx: number | null }[]).map((e) => ({
        kind: e.kind,
        text: e.text,
        frames: JSON.parse(e.frames) as number[],
        capture: e.capture_idx,
      })),
    }));
  }

  /** One flow, whole (its timeline rebuilt from its buckets). */
  flow(id: number, flowId: string): FlowRecord {
    const seq = flowSeq(flowId);
    const row = this.db.prepare('SELECT r.record FROM flows f JOIN flow_records r ON r.flow_id = f.id WHERE f.analysis_id = ? AND f.seq = ?').get(id, seq) as { record: string } | undefined;
    if (!row) throw new StoreError(`no flow ${flowId} in analysis ${id}`);
    const record = JSON.parse(row.record) as Omit<FlowRecord, 'timeline'>;
    const buckets = this.db.prepare('SELECT t, width, c2s, s2c FROM buckets WHERE analysis_id = ? AND seq = ? ORDER BY t').all(id, seq) as { t: number; width: number; c2s: number; s2c: number }[];
    const width = buckets[0]?.width ?? 1;
    const start = buckets[0]?.t ?? Math.floor(Date.parse(record.start) / 1000);
    const length = buckets.length === 0 ? 0 : (buckets[buckets.length - 1].t - start) / width + 1;
    const c2s = new Array<number>(length).fill(0);
    const s2c = new Array<number>(length).fill(0);
    for (const b of buckets) {
      c2s[(b.t - start) / width] = b.c2s;
      s2c[(b.t - start) / width] = b.s2c;
    }
    return { ...record, timeline: { start: new Date(start * 1000).toISOString().replace('.000Z', 'Z'), bucketSeconds: width, clientToServer: c2s, serverToClient: s2c } };
  }

  /** The whole report back, as `analyze --json` wrote it (for `db show`, exports, carving). */
  /** Everything of a stored analysis but its flows (see flowRecords). */
  head(id: number): ReportHead {
    const d = this.detail(id);
    return {
      schemaVersion: 1,
      tool: { name: 'vmkscope', version: d.toolVersion },
      captures: d.captures,
      flowCount: d.flowCount,
      migrations: d.migrations,
      findings: d.findings,
      summary: d.summary,
      inventory: d.inventory,
    };
  }

  /** Every flow of an analysis in id order, read a batch at a time. */
  *flowRecords(id: number): Generator<FlowRecord> {
    const page = this.db.prepare('SELECT seq FROM flows WHERE analysis_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    let after = 0;
    for (;;) {
      const seqs = page.all(id, after, FLOW_BATCH) as { seq: number }[];
      for (const { seq } of seqs) yield this.flow(id, `f${seq}`);
      if (seqs.length < FLOW_BATCH) return;
      after = seqs[seqs.length - 1].seq;
    }
  }

  /**
   * The digest the summary and HTML report show (see FlowDigest), from the indexes: the flows
   * the migrations name, and enough of the largest by frame bytes to find the largest others.
   */
  digest(id: number): FlowDigest {
    const head = this.head(id);
    const digest = new FlowDigest(head);
    const named = new Set(head.migrations.flatMap((m) => m.flows));
    const seqs = this.db.prepare('SELECT seq FROM flows WHERE analysis_id = ? ORDER BY bytes DESC, seq LIMIT ?').all(id, LARGEST_FLOWS + named.size) as { seq: number }[];
    const candidates = new Set([...named, ...seqs.map((r) => `f${r.seq}`)]);
    for (const flowId of [...candidates].sort((a, b) => flowSeq(a) - flowSeq(b))) digest.add(this.flow(id, flowId));
    digest.count = head.flowCount;
    return digest;
  }

  /** A stored analysis whole, as analyze produced it (for small analyses and tests). */
  report(id: number): AnalysisReport {
    return withFlows(this.head(id), [...this.flowRecords(id)]);
  }

  /** A page of flows by keyset: filters, one sort key, `after` the previous page's cursor. */
  queryFlows(q: FlowQuery): FlowPage {
    this.row(q.analysisId);
    const where: string[] = ['f.analysis_id = ?'];
    const params: unknown[] = [q.analysisId];
    if (q.class && q.class.length > 0) {
      where.push(`f.class IN (${q.class.map(() => '?').join(', ')})`);
      params.push(...q.class);
    }
    if (q.verdict && q.verdict.length > 0) {
      const statuses = q.verdict.filter((v) => v !== 'none');
      const parts: string[] = [];
      if (statuses.length > 0) {
        parts.push(`f.verdict IN (${statuses.map(() => '?').join(', ')})`);
        params.push(...statuses);
      }
      if (q.verdict.includes('none')) parts.push('f.verdict IS NULL');
      where.push(`(${parts.join(' OR ')})`);
    }
    const ends: string[] = [];
    const endParams: unknown[] = [];
    if (q.ip !== undefined) {
      ends.push('e.ip = ?');
      endParams.push(q.ip);
    }
    if (q.port !== undefined) {
      ends.push('e.port = ?');
      endParams.push(q.port);
    }
    if (q.host !== undefined) {
      ends.push('e.host = ?');
      endParams.push(q.host);
    }
    if (q.vmk !== undefined) {
      ends.push('e.vmk = ?');
      endParams.push(q.vmk);
    }
    if (ends.length > 0) {
      // Each end filter is about one end: both on the same end of the flow.
      where.push(`f.seq IN (SELECT e.seq FROM flow_ends e WHERE e.analysis_id = ? AND ${ends.join(' AND ')})`);
      params.push(q.analysisId, ...endParams);
    }
    const sort = q.sort ?? 'bytes';
    const column = SORT_COLUMNS[sort];
    const desc = q.descending ?? sort !== 'id';
    const limit = Math.max(1, Math.min(MAX_PAGE, q.limit ?? 100));
    // Counting a million rows costs more than a page: only the first page counts.
    const total = q.after === undefined ? (this.db.prepare(`SELECT COUNT(*) AS n FROM flows f WHERE ${where.join(' AND ')}`).get(...params) as { n: number }).n : null;
    const pageWhere = [...where];
    const pageParams = [...params];
    if (q.after !== undefined) {
      const cursor = decodeCursor(q.after);
      pageWhere.push(`(f.${column}, f.seq) ${desc ? '<' : '>'} (?, ?)`);
      pageParams.push(cursor[0], cursor[1]);
    }
    const order = desc ? 'DESC' : 'ASC';
    const rows = this.db
      .prepare(`SELECT f.* FROM flows f WHERE ${pageWhere.join(' AND ')} ORDER BY f.${column} ${order}, f.seq ${order} LIMIT ?`)
      .all(...pageParams, limit + 1) as FlowDbRow[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      rows: page.map(flowRow),
      next: more && last ? encodeCursor([sortValue(last, sort), last.seq]) : null,
      total,
    };
  }

  /** Traffic between vmks (or addresses) by class: the topology's edges. */
  matrix(id: number): MatrixCell[] {
    this.row(id);
    const rows = this.db.prepare('SELECT * FROM matrix WHERE analysis_id = ? ORDER BY bytes DESC LIMIT 2000').all(id) as {
      client_host: string | null;
      client_vmk: string | null;
      client_ip: string;
      server_host: string | null;
      server_vmk: string | null;
      server_ip: string;
      class: MatrixCell['class'];
      flows: number;
      bytes: number;
      routed: number | null;
      severity: number;
    }[];
    const statusOf: (FindingStatus | null)[] = [null, 'info', 'pass', 'warn', 'fail'];
    return rows.map((r) => ({
      clientHost: r.client_host,
      clientVmk: r.client_vmk,
      clientIp: r.client_ip,
      serverHost: r.server_host,
      serverVmk: r.server_vmk,
      serverIp: r.server_ip,
      class: r.class,
      flows: r.flows,
      bytes: r.bytes,
      routed: r.routed === 1 ? true : r.routed === 0 ? false : null,
      verdict: statusOf[r.severity],
    }));
  }

  /** Frame bytes per second over time, per class or vmk pair, merged to about `points` buckets. */
  timeline(q: TimelineQuery): TimelineResult {
    this.row(q.analysisId);
    const range = this.db.prepare("SELECT MIN(t) AS lo, MAX(t) + 1 AS hi FROM series WHERE analysis_id = ? AND grouping = 'class'").get(q.analysisId) as { lo: number | null; hi: number | null };
    if (range.lo === null || range.hi === null) return { bucketSeconds: 1, series: [] };
    const from = Math.max(q.from ?? range.lo, range.lo);
    const to = Math.min(q.to ?? range.hi, range.hi);
    const points = Math.max(1, Math.min(5000, Math.floor(q.points)));
    const width = Math.max(1, Math.ceil((to - from) / points));
    const grouping = q.groupBy ?? 'class';
    // The largest MAX_SERIES keys in the range get a series each; the rest are summed as "other".
    const top = (
      this.db
        .prepare('SELECT key FROM series WHERE analysis_id = ? AND grouping = ? AND t >= ? AND t < ? GROUP BY key ORDER BY SUM(bytes) DESC, key LIMIT ?')
        .all(q.analysisId, grouping, from, to, MAX_SERIES + 1) as { key: string }[]
    ).map((r) => r.key);
    const named = top.length > MAX_SERIES ? top.slice(0, MAX_SERIES - 1) : top;
    const rows = this.db
      .prepare(
        `SELECT CASE WHEN key IN (SELECT value FROM json_each(?)) THEN key ELSE '${OTHER_SERIES}' END AS name, ((t - ?) / ?) AS slot, SUM(bytes) AS bytes FROM series
         WHERE analysis_id = ? AND grouping = ? AND t >= ? AND t < ?
         GROUP BY name, slot ORDER BY name, slot`,
      )
      .all(JSON.stringify(named), from, width, q.analysisId, grouping, from, to) as { name: string; slot: number; bytes: number }[];
    const slots = Math.max(1, Math.ceil((to - from) / width));
    const series = new Map<string, number[]>();
    for (const r of rows) {
      let values = series.get(r.name);
      if (!values) {
        values = new Array<number>(slots).fill(0);
        series.set(r.name, values);
      }
      values[r.slot] += r.bytes / width;
    }
    const t = Array.from({ length: slots }, (_, i) => from + i * width);
    return { bucketSeconds: width, series: [...series].map(([k, v]) => ({ key: k, t, bytesPerSecond: v })) };
  }

  /** Where capture `idx` of an analysis was read from, and its SHA-256 (for carving). */
  capture(id: number, idx: number): { file: string; sha256: string | null; record: CaptureRecord } {
    const c = this.db.prepare('SELECT file, sha256, record FROM captures WHERE analysis_id = ? AND idx = ?').get(id, idx) as { file: string; sha256: string | null; record: string } | undefined;
    if (!c) throw new StoreError(`analysis ${id} has no capture ${idx}`);
    return { file: c.file, sha256: c.sha256, record: JSON.parse(c.record) as CaptureRecord };
  }

  /** Remember a capture's new place (after its SHA-256 was checked). */
  relocate(id: number, idx: number, file: string): void {
    this.db.transaction(() => {
      const c = this.capture(id, idx);
      this.db.prepare('UPDATE captures SET file = ?, record = ? WHERE analysis_id = ? AND idx = ?').run(file, JSON.stringify({ ...c.record, file }), id, idx);
    })();
  }
}

function sortValue(r: FlowDbRow, sort: FlowSortKey): number | string {
  switch (sort) {
    case 'bytes':
      return r.bytes;
    case 'packets':
      return r.packets;
    case 'start':
      return r.start;
    case 'duration':
      return r.duration;
    case 'id':
      return r.seq;
  }
}

function encodeCursor(c: [number | string, number]): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string): [number | string, number] {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(c) && c.length === 2 && (typeof c[0] === 'number' || typeof c[0] === 'string') && typeof c[1] === 'number') return [c[0], c[1]];
  } catch {
    // fall through
  }
  throw new StoreError('the page cursor is not one this store gave out');
}

function flowRow(r: FlowDbRow): FlowRow {
  return {
    id: `f${r.seq}`,
    capture: r.capture_idx,
    protocol: r.protocol,
    client: { ip: r.client_ip, port: r.client_port, host: r.client_host, vmk: r.client_vmk },
    server: { ip: r.server_ip, port: r.server_port, host: r.server_host, vmk: r.server_vmk },
    class: r.class,
    packets: r.packets,
    bytes: r.bytes,
    start: r.start,
    end: r.end,
    durationSeconds: r.duration,
    routed: r.routed === null ? null : r.routed === 1,
    gateway: r.gateway,
    verdict: r.verdict,
  };
}
