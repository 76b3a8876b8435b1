/**
 * The SQLite store on real database files: schema and migrations, a report written and read back
 * unchanged, the same capture never stored twice, and the queries the UI pages through.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withFlows, type AnalysisReport, type FlowRecord } from '../../core/contract/report.js';
import { Engine } from '../../native/engine/engine.js';
import { StoreError, defaultDatabasePath, openDatabase } from '../../native/store/database.js';
import { MIGRATIONS } from '../../native/store/schema.js';
import { runCli } from '../helpers/cli.js';
import { withStore } from '../helpers/store.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const capture = path.join(dir, 'site.pcapng');
const inventory = path.join(dir, 'site.yaml');
const dbFile = path.join(dir, 'store.db');
let report: AnalysisReport;

test('setup: a generated site analysed into a database', async () => {
  const gen = await runCli(['generate', '--packets', '30000', '--scale', '0.01', '--vlan', '--format', 'pcapng', '--loss', '0.002', '-o', capture, '--inventory-out', inventory]);
  assert.equal(gen.code, 0, gen.stderr);
  const engine = new Engine({ database: dbFile });
  // The flows as they streamed into the store, collected beside it.
  const flows: FlowRecord[] = [];
  const result = await engine.analyze({ captures: [capture], inventory: [inventory], store: true }, [{ begin() {}, flow: (f) => void flows.push(f), end() {} }]);
  engine.close();
  assert.equal(result.analysisId, 1);
  assert.equal(result.head.flowCount, flows.length);
  report = withFlows(result.head, flows);
});

test('schema: migrated, WAL, foreign keys, STRICT tables; a newer database is refused', () => {
  const db = openDatabase(dbFile);
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'").all() as { name: string; strict: number }[];
  assert.ok(tables.length >= 8);
  assert.ok(tables.every((t) => t.strict === 1), JSON.stringify(tables));
  db.close();

  const newer = path.join(dir, 'newer.db');
  const n = openDatabase(newer);
  n.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  n.close();
  assert.throws(() => openDatabase(newer), (e: Error) => e instanceof StoreError && /written by a newer vmkscope/.test(e.message));
  const text = path.join(dir, 'notes.db');
  fs.writeFileSync(text, 'these are notes, not a database\n'.repeat(200));
  assert.throws(() => openDatabase(text), (e: Error) => e instanceof StoreError && /notes\.db/.test(e.message));
});

test('the default database lives in the per-user data folder', () => {
  assert.match(defaultDatabasePath({ XDG_DATA_HOME: '/srv/data' }, 'linux'), /^\/srv\/data\/vmkscope\/vmkscope\.db$/);
  assert.match(defaultDatabasePath({}, 'linux'), /\.local\/share\/vmkscope\/vmkscope\.db$/);
  assert.match(defaultDatabasePath({}, 'darwin'), /Library\/Application Support\/vmkscope\/vmkscope\.db$/);
  assert.match(defaultDatabasePath({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32'), /vmkscope[\\/]vmkscope\.db$/);
});

test('a stored analysis reads back as the report analyze produced', () => {
  const back = withStore(dbFile, (s) => s.report(1));
  assert.deepEqual(back, JSON.parse(JSON.stringify(report)));
});

test('analysing the same capture again adds no rows', async () => {
  const count = (): number[] => {
    const db = openDatabase(dbFile);
    const n = ['analyses', 'captures', 'flows', 'flow_records', 'flow_ends', 'buckets', 'matrix', 'series', 'findings', 'evidence', 'migrations'].map((t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n);
    db.close();
    return n;
  };
  const before = count();
  const engine = new Engine({ database: dbFile });
  const again = await engine.analyze({ captures: [capture], inventory: [inventory], store: true });
  engine.close();
  assert.equal(again.analysisId, 1);
  assert.deepEqual(count(), before);
  // A different inventory is a different analysis.
  const engine2 = new Engine({ database: dbFile });
  const other = await engine2.analyze({ captures: [capture], store: true });
  assert.equal(other.analysisId, 2);
  assert.deepEqual((await engine2.listAnalyses()).map((a) => [a.id, a.status]), [
    [2, 'complete'],
    [1, 'complete'],
  ]);
  await engine2.deleteAnalysis(2);
  engine2.close();
  assert.deepEqual(count(), before);
});

test('flows page by keyset through every filter and sort', async () => {
  const engine = new Engine({ database: dbFile });
  const all = report.flows;
  const cases: { q: Parameters<Engine['queryFlows']>[0]; want: typeof all }[] = [
    { q: { analysisId: 1 }, want: all },
    { q: { analysisId: 1, class: ['vmotion', 'nfc'] }, want: all.filter((f) => f.class === 'vmotion' || f.class === 'nfc') },
    { q: { analysisId: 1, host: 'esx02.lab.example' }, want: all.filter((f) => f.client.host === 'esx02.lab.example' || f.server.host === 'esx02.lab.example') },
    { q: { analysisId: 1, host: 'esx02.lab.example', vmk: 'vmk1' }, want: all.filter((f) => (f.client.host === 'esx02.lab.example' && f.client.vmk === 'vmk1') || (f.server.host === 'esx02.lab.example' && f.server.vmk === 'vmk1')) },
    { q: { analysisId: 1, ip: '198.18.11.5' }, want: all.filter((f) => f.client.ip === '198.18.11.5' || f.server.ip === '198.18.11.5') },
    { q: { analysisId: 1, port: 2049, sort: 'packets' }, want: all.filter((f) => f.client.port === 2049 || f.server.port === 2049) },
    { q: { analysisId: 1, verdict: ['pass'], sort: 'start', descending: false }, want: all.filter((f) => report.findings.some((x) => x.status === 'pass' && x.flows.includes(f.id)) && !report.findings.some((x) => (x.status === 'fail' || x.status === 'warn') && x.flows.includes(f.id))) },
    { q: { analysisId: 1, verdict: ['none'], sort: 'id', descending: false }, want: all.filter((f) => !report.findings.some((x) => x.flows.includes(f.id))) },
  ];
  for (const { q, want } of cases) {
    const seen: string[] = [];
    let after: string | undefined;
    let total: number | null = null;
    for (let page = 0; page < 100; page++) {
      const r = await engine.queryFlows({ ...q, limit: 3, after });
      if (page === 0) total = r.total;
      else assert.equal(r.total, null);
      seen.push(...r.rows.map((row) => row.id));
      if (r.next === null) break;
      after = r.next;
    }
    const label = JSON.stringify(q);
    assert.equal(total, want.length, label);
    assert.deepEqual([...seen].sort(), want.map((f) => f.id).sort(), `${label}: every flow once`);
    const key = q.sort ?? 'bytes';
    const value = (id: string): number | string => {
      const f = all.find((x) => x.id === id)!;
      return key === 'bytes' ? f.bytes : key === 'packets' ? f.packets : key === 'start' ? f.start : Number(id.slice(1));
    };
    const desc = q.descending ?? key !== 'id';
    for (let i = 1; i < seen.length; i++) {
      const a = value(seen[i - 1]);
      const b = value(seen[i]);
      assert.ok(desc ? a >= b : a <= b, `${label}: sorted by ${key}`);
    }
  }
  await assert.rejects(engine.queryFlows({ analysisId: 1, after: 'bm90IGEgY3Vyc29y' }), /cursor/);
  engine.close();
});

test('the matrix, the timeline, findings and migrations agree with the report', async () => {
  const engine = new Engine({ database: dbFile });
  const cells = await engine.trafficMatrix(1);
  assert.equal(cells.reduce((s, c) => s + c.bytes, 0), report.flows.reduce((s, f) => s + f.bytes, 0));
  const vmotion = cells.find((c) => c.class === 'vmotion')!;
  assert.deepEqual([vmotion.clientHost, vmotion.clientVmk, vmotion.serverHost, vmotion.serverVmk], ['esx01.lab.example', 'vmk1', 'esx02.lab.example', 'vmk1']);
  assert.equal(vmotion.routed, false);

  const tl = await engine.timeline({ analysisId: 1, points: 50 });
  const total = tl.series.reduce((s, x) => s + x.bytesPerSecond.reduce((a, b) => a + b, 0) * tl.bucketSeconds, 0);
  assert.equal(Math.round(total), report.flows.reduce((s, f) => s + f.bytes, 0));
  assert.ok(tl.series.every((s) => s.t.length <= 50 && s.t.length === s.bytesPerSecond.length));
  assert.deepEqual(new Set(tl.series.map((s) => s.key)), new Set(report.flows.map((f) => f.class)));
  const pairs = await engine.timeline({ analysisId: 1, points: 10, groupBy: 'vmkPair' });
  assert.ok(pairs.series.some((s) => s.key === 'esx01.lab.example/vmk1 → esx02.lab.example/vmk1'));

  const detail = await engine.getAnalysis(1);
  assert.deepEqual(detail.findings, JSON.parse(JSON.stringify(report.findings)));
  assert.deepEqual(detail.migrations, JSON.parse(JSON.stringify(report.migrations)));
  assert.equal(detail.inventory?.hosts.length, 4);
  assert.deepEqual(await engine.getFlow(1, 'f3'), JSON.parse(JSON.stringify(report.flows[2])));
  await assert.rejects(engine.getFlow(1, 'f99999'), /no flow f99999/);
  engine.close();
});

test('a timeline of thousands of vmk pairs: at most 24 series, the largest, then one for the rest, bytes all kept', async () => {
  const tiny = path.join(dir, 'tiny.pcap');
  assert.equal((await runCli(['generate', '--scenario', 'tiny-flows', '--packets', '8000', '-o', tiny])).code, 0);
  const db = path.join(dir, 'tiny.db');
  const engine = new Engine({ database: db });
  const { analysisId, head } = await engine.analyze({ captures: [tiny], store: true });
  assert.equal(head.flowCount, 2000);
  const pairs = await engine.timeline({ analysisId: analysisId!, points: 10, groupBy: 'vmkPair' });
  assert.ok(pairs.series.length > 2 && pairs.series.length <= 24, String(pairs.series.length));
  assert.equal(pairs.series.filter((s) => s.key === '(the rest)').length, 1);
  const sum = (r: typeof pairs): number => Math.round(r.series.reduce((s, x) => s + x.bytesPerSecond.reduce((a, b) => a + b, 0) * r.bucketSeconds, 0));
  assert.equal(sum(pairs), sum(await engine.timeline({ analysisId: analysisId!, points: 10 })));
  assert.equal(sum(pairs), head.captures[0].bytes);
  engine.close();
});

test('exports: HTML, JSON and CSV from the store', async () => {
  const engine = new Engine({ database: dbFile });
  const html = await engine.exportReport({ analysisId: 1, format: 'html' });
  assert.match(html.content as string, /^<!doctype html>/);
  const json = await engine.exportReport({ analysisId: 1, format: 'json' });
  assert.equal((JSON.parse(json.content as string) as AnalysisReport).flows.length, report.flows.length);
  const csv = await engine.exportReport({ analysisId: 1, format: 'csv' });
  assert.deepEqual(Object.keys(csv.content as Record<string, string>).sort(), ['findings.csv', 'flows.csv', 'migrations.csv']);
  engine.close();
});

test('vmkscope db list / show / rm', async () => {
  const list = await runCli(['db', 'list', '--db', dbFile]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /\n +1 +complete +\d{4}-/);
  const show = await runCli(['db', 'show', '1', '--db', dbFile, '--json']);
  assert.equal((JSON.parse(show.stdout) as AnalysisReport).flows.length, report.flows.length);
  const bad = await runCli(['db', 'show', '42', '--db', dbFile]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no analysis 42/);
  const copy = path.join(dir, 'copy.db');
  fs.copyFileSync(dbFile, copy);
  const rm = await runCli(['db', 'rm', '1', '--db', copy]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match((await runCli(['db', 'list', '--db', copy])).stdout, /no analyses/);
});
