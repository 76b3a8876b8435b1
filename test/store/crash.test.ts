/**
 * Crash safety with real processes and real kills: `kill -9` at any moment of an ingest leaves a
 * database that opens, passes integrity_check, keeps every earlier analysis intact and shows the
 * interrupted one as such; running it again completes it. Readers run while a writer writes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalysisReport } from '../../core/contract/report.js';
import { runCli } from '../helpers/cli.js';
import { CLI, REPO_ROOT } from '../helpers/paths.js';
import { integrityCheck, withStore } from '../helpers/store.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const dbFile = path.join(dir, 'evidence.db');
const small = path.join(dir, 'small.pcapng');
/** Many flows, so the write phase lasts long enough to be killed in. */
const many = path.join(dir, 'many.pcap');

const snapshot = (id: number): AnalysisReport => withStore(dbFile, (s) => s.report(id));
const integrity = (): string => integrityCheck(dbFile);

/** Start `vmkscope analyze many --db`, SIGKILL it after `ms`; resolve with its exit signal. */
function killAfter(ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'analyze', many, '--db', dbFile, '--no-progress'], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}

test('kill -9 at any moment of an ingest loses nothing earlier and is completed by a rerun', { timeout: 240_000 }, async () => {
  assert.equal((await runCli(['generate', '--packets', '20000', '--scale', '0.01', '--format', 'pcapng', '-o', small])).code, 0);
  assert.equal((await runCli(['generate', '--scenario', 'small-packets', '--flows', '20000', '--packets', '80000', '-o', many])).code, 0);
  const first = await runCli(['analyze', small, '--db', dbFile, '--no-progress']);
  assert.equal(first.code, 0, first.stderr);
  const kept = snapshot(1);

  // How long a whole ingest takes here, to spread the kills over it.
  const started = Date.now();
  const probe = path.join(dir, 'probe.db');
  const full = await runCli(['analyze', many, '--db', probe, '--no-progress']);
  assert.equal(full.code, 0, full.stderr);
  const duration = Date.now() - started;

  const kills = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95].map((f) => Math.round(f * duration));
  let interrupted = 0;
  for (const ms of kills) {
    const signal = await killAfter(ms);
    assert.equal(integrity(), 'ok', `after a kill at ${ms} ms`);
    assert.deepEqual(snapshot(1), kept, `analysis 1 intact after a kill at ${ms} ms`);
    const list = withStore(dbFile, (s) => s.list());
    assert.equal(list.find((a) => a.id === 1)?.status, 'complete');
    // The killed process's analysis shows as interrupted (unless the kill came after it finished).
    const others = list.filter((a) => a.id !== 1);
    for (const a of others) assert.ok(a.status === 'interrupted' || a.status === 'complete', `${a.id}: ${a.status}`);
    if (signal === 'SIGKILL' && others.some((a) => a.status === 'interrupted')) interrupted++;
  }
  assert.ok(interrupted >= 3, `${interrupted} runs were caught mid-ingest`);

  const rerun = await runCli(['analyze', many, '--db', dbFile, '--no-progress']);
  assert.equal(rerun.code, 0, rerun.stderr);
  const after = withStore(dbFile, (s) => s.list());
  assert.deepEqual(after.map((a) => a.status), ['complete', 'complete'], 'the rerun completed it and no interrupted leftover remains');
  assert.deepEqual(snapshot(1), kept);
  assert.equal(integrity(), 'ok');
});

test('two processes read while one writes', { timeout: 120_000 }, async () => {
  const reader = path.join(dir, 'reader.mjs');
  fs.writeFileSync(
    reader,
    `import { Engine } from ${JSON.stringify(path.join(REPO_ROOT, 'dist/native/engine/engine.js'))};
const engine = new Engine({ database: ${JSON.stringify(dbFile)} });
const until = Date.now() + Number(process.argv[2]);
let reads = 0;
while (Date.now() < until) {
  for (const a of await engine.listAnalyses()) {
    if (a.status !== 'complete') continue;
    const page = await engine.queryFlows({ analysisId: a.id, limit: 50 });
    if (page.rows.length === 0) throw new Error('a complete analysis with no flows');
    reads++;
  }
}
engine.close();
console.log(reads);
`,
  );
  const run = (args: string[]): Promise<{ code: number | null; out: string; err: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, args);
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, out, err }));
    });
  // A new capture (another seed) so the writer really writes.
  const other = path.join(dir, 'other.pcap');
  assert.equal((await runCli(['generate', '--scenario', 'small-packets', '--flows', '30000', '--packets', '120000', '--seed', '9', '-o', other])).code, 0);
  const [writer, r1, r2] = await Promise.all([run([CLI, 'analyze', other, '--db', dbFile, '--no-progress']), run([reader, '4000']), run([reader, '4000'])]);
  assert.equal(writer.code, 0, writer.err);
  for (const r of [r1, r2]) {
    assert.equal(r.code, 0, r.err);
    assert.ok(Number(r.out) > 10, `reads: ${r.out}`);
  }
  assert.equal(integrity(), 'ok');
});
