/**
 * The store's part of `npm run bench`: what `--db` costs against `--json` on the jumbo capture,
 * how big the database grows per flow and per GB, and how fast the UI's queries answer on a
 * database of many flows (a million without --quick).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FlowQuery } from '../../core/contract/engine-api.js';
import { Engine } from '../../native/engine/engine.js';
import { CLI } from '../helpers/paths.js';
import { best, check, dir, generate, timed, type Run } from './common.js';

function removeDb(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Milliseconds of the fastest of three calls. */
async function fastest(call: () => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await call();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

export async function storeBench(jumbo: string, quick: boolean): Promise<string[]> {
  const node = process.execPath;
  const targets: string[] = [];
  console.log('\nStore (SQLite):');

  // --db hashes the capture (a stored analysis is evidence): compare with --json --hash.
  const json = path.join(dir, 'jumbo.json');
  const db = path.join(dir, 'jumbo.db');
  const withJson = best(`${node} ${CLI} analyze ${jumbo} --json ${json} --hash --no-progress`, 3);
  const withDb = best(`${node} ${CLI} analyze ${jumbo} --db ${db} --no-progress`, 3, () => removeDb(db));
  const overhead = withDb.seconds / withJson.seconds - 1;
  const jumboSize = fs.statSync(jumbo).size;
  const jumboFlows = await flowCount(db);
  const jumboDb = fs.statSync(db).size;
  console.log(`  jumbo  analyze --json --hash  ${withJson.seconds.toFixed(2)} s   analyze --db  ${withDb.seconds.toFixed(2)} s   (+${(overhead * 100).toFixed(1)}%)`);
  console.log(`  jumbo  database ${mb(jumboDb)} for ${jumboFlows} flows: ${(jumboDb / jumboFlows / 1024).toFixed(1)} KB per flow, ${mb(jumboDb / (jumboSize / 1e9))} per GB of capture`);
  targets.push(check(overhead <= 0.15, `--db costs <= 15% over --json on jumbo: +${(overhead * 100).toFixed(1)}%`));

  // Many short connections: the store's worst case (4 packets each).
  const flows = quick ? 100_000 : 1_000_000;
  const many = path.join(dir, `tiny-flows-${flows}.pcap`);
  generate(many, ['--scenario', 'tiny-flows', '--packets', String(4 * flows)]);
  const manyDb = path.join(dir, `tiny-flows-${flows}.db`);
  removeDb(manyDb);
  const ingest: Run = timed(`${node} ${CLI} analyze ${many} --db ${manyDb} --no-progress`);
  const manySize = fs.statSync(manyDb).size;
  console.log(`  ${flows} flows: analyze --db ${ingest.seconds.toFixed(1)} s, peak RSS ${ingest.rssMB.toFixed(0)} MB, database ${mb(manySize)} (${(manySize / flows / 1024).toFixed(2)} KB per flow)`);

  const engine = new Engine({ database: manyDb });
  try {
    const analysisId = (await engine.listAnalyses())[0].id;
    const base: FlowQuery = { analysisId, limit: 100 };
    const first = await engine.queryFlows({ ...base, sort: 'bytes', descending: true });
    const host = first.rows[0].server.host ?? undefined;
    const queries: [string, () => Promise<unknown>][] = [
      ['first page by bytes (with total)', () => engine.queryFlows({ ...base, sort: 'bytes', descending: true })],
      ['next page by bytes (keyset)', () => engine.queryFlows({ ...base, sort: 'bytes', descending: true, after: first.next ?? undefined })],
      ['first page by start', () => engine.queryFlows({ ...base, sort: 'start' })],
      ['class management, by duration', () => engine.queryFlows({ ...base, class: ['management'], sort: 'duration', descending: true })],
      ...(host === undefined ? [] : [[`host ${host}`, () => engine.queryFlows({ ...base, host })] as [string, () => Promise<unknown>]]),
      ['vmk vmk1 (none here)', () => engine.queryFlows({ ...base, vmk: 'vmk1' })],
      [`ip ${first.rows[0].client.ip}`, () => engine.queryFlows({ ...base, ip: first.rows[0].client.ip })],
      [`port ${first.rows[0].client.port}`, () => engine.queryFlows({ ...base, port: first.rows[0].client.port })],
      ['verdict none', () => engine.queryFlows({ ...base, verdict: ['none'] })],
      ['traffic matrix', () => engine.trafficMatrix(analysisId)],
      ['timeline by class, 1000 points', () => engine.timeline({ analysisId, points: 1000 })],
      ['timeline by vmk pair, 1000 points', () => engine.timeline({ analysisId, points: 1000, groupBy: 'vmkPair' })],
    ];
    let slowest = 0;
    for (const [name, call] of queries) {
      const ms = await fastest(call);
      slowest = Math.max(slowest, ms);
      console.log(`    ${name.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms`);
    }
    targets.push(check(slowest <= 250, `every UI query on ${flows} flows <= 250 ms: slowest ${slowest.toFixed(0)} ms`));
  } finally {
    engine.close();
  }
  for (const f of [json]) fs.rmSync(f, { force: true });
  removeDb(db);
  return targets;
}

async function flowCount(db: string): Promise<number> {
  const engine = new Engine({ database: db });
  try {
    return (await engine.listAnalyses())[0].flowCount;
  } finally {
    engine.close();
  }
}
