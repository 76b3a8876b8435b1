/**
 * Rolling updates of a live capture's analysis on a real database file: a snapshot replaces the
 * previous one whole (nothing of it left in any table), the status stays `running` until the
 * final one, and what reads back is the report written.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalysisReport } from '../../core/contract/report.js';
import { AnalysisStore } from '../../native/store/analysis-store.js';
import { runCli } from '../helpers/cli.js';
import { analyzeToReport, headOf, saveReport } from '../helpers/report.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();

async function report(packets: number): Promise<AnalysisReport> {
  const file = path.join(dir, `site-${packets}.pcap`);
  const inventory = path.join(dir, 'site.yaml');
  const gen = await runCli(['generate', '--packets', String(packets), '--scale', '0.01', '-o', file, '--inventory-out', inventory]);
  assert.equal(gen.code, 0, gen.stderr);
  return (await analyzeToReport({ captures: [file], inventory: [inventory] })).report;
}

/** Rows the analysis has in every table that holds its rows. */
function rows(store: AnalysisStore, id: number): Record<string, number> {
  const tables = store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'analyses' AND sql LIKE '%analysis_id%'").all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, (store.db.prepare(`SELECT COUNT(*) AS n FROM "${name}" WHERE analysis_id = ?`).get(id) as { n: number }).n]));
}

test('a snapshot replaces the last one whole; running until the final one', async () => {
  const early = await report(3000);
  const later = await report(12000);
  assert.ok(later.flows.length > early.flows.length);
  const store = AnalysisStore.open(path.join(dir, 'live.db'));
  try {
    const id = store.begin(['interface ens224'], '0.1.0');
    store.replaceSnapshot(id, headOf(early), early.flows, 'live:test', null, false);
    let [a] = store.list();
    assert.equal(a.status, 'running');
    assert.equal(a.flowCount, early.flows.length);
    assert.deepEqual(store.report(id), JSON.parse(JSON.stringify(early)));

    store.replaceSnapshot(id, headOf(later), later.flows, 'live:test', null, true);
    [a] = store.list();
    assert.equal(a.status, 'complete');
    assert.ok(a.finishedAt !== null);
    assert.deepEqual(store.report(id), JSON.parse(JSON.stringify(later)));

    // The same report saved fresh under another id has exactly as many rows everywhere.
    const fresh = store.begin(['fresh'], '0.1.0');
    saveReport(store, fresh, later, 'fresh', null);
    assert.deepEqual(rows(store, id), rows(store, fresh));
    assert.ok(Object.values(rows(store, id)).every((n) => n > 0), JSON.stringify(rows(store, id)));
  } finally {
    store.close();
  }
});
