/**
 * Crash and load, with real processes on real files (issue F). test/store/crash.test.ts kills an
 * ingest at seven fixed moments; here the moments are random (a seed printed with the test,
 * VMKSCOPE_CHAOS_SEED repeats a run), two writers share one database, a multi-gigabyte stream
 * must keep memory flat, and the disk fills up under the database and under the reports.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test, type TestContext } from 'node:test';
import type { AnalysisReport } from '../../core/contract/report.js';
import { Prng } from '../../core/synth/prng.js';
import { analyzeToReport } from '../helpers/report.js';
import { runCli } from '../helpers/cli.js';
import { CLI } from '../helpers/paths.js';
import { integrityCheck, withStore } from '../helpers/store.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('vmkscope-load-');


async function generate(file: string, ...args: string[]): Promise<void> {
  const r = await runCli(['generate', ...args, '-o', file]);
  assert.equal(r.code, 0, r.stderr);
}

const small = path.join(dir, 'small.pcapng');
/** Many flows, so that writing them takes long enough to be killed in. */
const many = path.join(dir, 'many.pcap');

before(async () => {
  await generate(small, '--packets', '5000', '--scale', '0.01', '--format', 'pcapng');
  await generate(many, '--scenario', 'small-packets', '--flows', '6000', '--packets', '20000', '--seed', '3');
});

/** Start `analyze many --db db`; SIGKILL it once `when` says so (polled every 10 ms) or after `ms`. */
function killed(db: string, ms: number, when: () => boolean = () => false): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'analyze', many, '--db', db, '--no-progress'], { stdio: 'ignore' });
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started >= ms || when()) child.kill('SIGKILL');
    }, 10);
    child.on('exit', (_code, signal) => {
      clearInterval(timer);
      resolve(signal);
    });
  });
}

/**
 * The kill moments' generator (its seed printed; VMKSCOPE_CHAOS_SEED repeats a run) and a
 * database holding one complete analysis, which no kill may change.
 */
async function chaos(t: TestContext, name: string): Promise<{ rng: Prng; db: string; kept: AnalysisReport }> {
  const seed = Number(process.env.VMKSCOPE_CHAOS_SEED ?? Date.now() % 100_000);
  t.diagnostic(`chaos seed ${seed} (VMKSCOPE_CHAOS_SEED=${seed} repeats these kill moments)`);
  const db = path.join(dir, name);
  assert.equal((await runCli(['analyze', small, '--db', db, '--no-progress'])).code, 0);
  return { rng: new Prng(seed), db, kept: withStore(db, (s) => s.report(1)) };
}

test('kill -9 at random moments of ingest: earlier analyses intact, integrity_check ok, a rerun completes', { timeout: 120_000 }, async (t) => {
  const { rng, db, kept } = await chaos(t, 'chaos.db');
  const started = Date.now();
  assert.equal((await runCli(['analyze', many, '--db', path.join(dir, 'probe.db'), '--no-progress'])).code, 0);
  const duration = Date.now() - started;
  for (let i = 0; i < 3; i++) {
    const at = Math.round(rng.next() * duration);
    const signal = await killed(db, at);
    assert.equal(integrityCheck(db), 'ok', `after a kill at ${at} ms (${signal})`);
    assert.deepEqual(withStore(db, (s) => s.report(1)), kept, `analysis 1 after a kill at ${at} ms`);
    const statuses = withStore(db, (s) => s.list()).map((a) => a.status);
    for (const s of statuses) assert.ok(s === 'complete' || s === 'interrupted', `${statuses}`);
  }
  const rerun = await runCli(['analyze', many, '--db', db, '--no-progress']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(withStore(db, (s) => s.list()).map((a) => a.status), ['complete', 'complete']);
  assert.equal(integrityCheck(db), 'ok');
});

/**
 * Feed `file` to `vmkscope capture - --db db` over about 2 s, updated every 0.2 s; SIGKILL it
 * after `ms`, or as soon as `when` says so (polled between writes).
 */
async function killedCapture(db: string, file: string, ms: number, when: () => boolean = () => false): Promise<NodeJS.Signals | null> {
  const stream = fs.readFileSync(file);
  const piece = Math.ceil(stream.length / 100);
  const child = spawn(process.execPath, [CLI, 'capture', '-', '--db', db, '--update-every', '0.2', '--no-progress'], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const started = Date.now();
  for (let off = 0; Date.now() - started < ms && !when(); off += piece) {
    if (off < stream.length) child.stdin.write(stream.subarray(off, off + piece));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  return exited;
}

test('kill -9 at random moments of a live capture: earlier analyses intact, integrity_check ok, the last rolling update readable', { timeout: 120_000 }, async (t) => {
  const { rng, db, kept } = await chaos(t, 'live-chaos.db');
  const ids = (): number[] => withStore(db, (s) => s.list()).map((a) => a.id);
  const flowsOf = (id: number): number => withStore(db, (s) => s.list()).find((a) => a.id === id)?.flowCount ?? 0;
  // Three kills at random moments, then one just after a rolling update was committed.
  const moments = [...[0, 1, 2].map(() => 150 + Math.round(rng.next() * 1800)), 10_000];
  const seen: string[] = [];
  let updated = 0;
  for (const at of moments) {
    const before = new Set(ids());
    const next = Math.max(...before) + 1;
    const afterUpdate = at === 10_000 ? () => fs.existsSync(db) && flowsOf(next) > 0 : undefined;
    assert.equal(await killedCapture(db, small, at, afterUpdate), 'SIGKILL');
    assert.equal(integrityCheck(db), 'ok', `after a kill at ${at} ms`);
    assert.deepEqual(withStore(db, (s) => s.report(1)), kept, `analysis 1 after a kill at ${at} ms`);
    // Killed before it began (a slow start), the capture left nothing; else it shows as interrupted.
    const added = ids().filter((id) => !before.has(id));
    assert.ok(added.length <= 1, `one analysis per capture: ${added}`);
    if (added.length === 0) {
      seen.push(`${at} ms: before it began`);
      continue;
    }
    const live = withStore(db, (s) => s.list()).find((a) => a.id === added[0])!;
    assert.equal(live.status, 'interrupted', `the killed capture (${at} ms) shows as interrupted`);
    // Whatever rolling update it last committed reads back whole.
    const snapshot = withStore(db, (s) => s.report(live.id));
    assert.equal(snapshot.flows.length, live.flowCount);
    assert.equal(snapshot.captures.reduce((n, c) => n + c.packets, 0), live.packets);
    if (at === 10_000) updated = live.flowCount;
    seen.push(`${at === 10_000 ? 'after an update' : `${at} ms`}: ${live.flowCount} flows`);
  }
  assert.ok(updated > 0, 'the capture killed after an update keeps it');
  t.diagnostic(`killed ${seen.join(', ')}`);
});

test('a rerun that finds its result already complete removes the attempt a kill interrupted', { timeout: 60_000 }, async () => {
  const db = path.join(dir, 'rerun.db');
  assert.equal((await runCli(['analyze', many, '--db', db, '--no-progress'])).code, 0);
  // Killed while reading, once its row is there: it is shown as interrupted...
  const running = (): boolean => withStore(db, (s) => s.list()).some((a) => a.id === 2);
  assert.equal(await killed(db, 30_000, running), 'SIGKILL');
  assert.deepEqual(withStore(db, (s) => s.list()).map((a) => [a.id, a.status]), [[2, 'interrupted'], [1, 'complete']]);
  // ...until the same analysis is run again: it finds analysis 1 and tidies the leftover away.
  const rerun = await runCli(['analyze', many, '--db', db, '--no-progress']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /kept as analysis 1 /);
  assert.deepEqual(withStore(db, (s) => s.list()).map((a) => [a.id, a.status]), [[1, 'complete']]);
});

test('two analyses written at once into one database both complete, whole and distinct', { timeout: 120_000 }, async () => {
  const db = path.join(dir, 'shared.db');
  const a = path.join(dir, 'writer-a.pcap');
  const b = path.join(dir, 'writer-b.pcapng');
  await generate(a, '--scenario', 'small-packets', '--flows', '4000', '--packets', '12000', '--seed', '11');
  await generate(b, '--scenario', 'small-packets', '--flows', '3000', '--packets', '12000', '--seed', '12', '--format', 'pcapng');
  const alone = await Promise.all([a, b].map(async (file) => (await analyzeToReport({ captures: [file] })).report));
  // Both at once, and the same capture twice at once: the store must neither lose nor mix flows.
  const runs = await Promise.all([a, b, a].map((file) => runCli(['analyze', file, '--db', db, '--no-progress'])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assert.equal(integrityCheck(db), 'ok');
  const list = withStore(db, (s) => s.list());
  assert.ok(list.every((x) => x.status === 'complete'), JSON.stringify(list));
  const byCapture = new Map<string, number[]>();
  for (const x of list) byCapture.set(x.inputs[0], [...(byCapture.get(x.inputs[0]) ?? []), x.id]);
  for (const [file, report] of [[a, alone[0]], [b, alone[1]]] as const) {
    const ids = byCapture.get(file) ?? [];
    assert.ok(ids.length >= 1, `${file} kept`);
    for (const id of ids) {
      const stored = withStore(db, (s) => s.report(id));
      assert.equal(stored.flows.length, report.flows.length, `${file}: flows of analysis ${id}`);
      assert.equal(stored.flows.reduce((s, f) => s + f.bytes, 0), report.flows.reduce((s, f) => s + f.bytes, 0));
    }
  }
});

/** Resident memory of a process now, in MB (Linux). */
function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

test('1.5 GB through standard input: memory flat from the first quarter to the end', { timeout: 120_000 }, async (t) => {
  if (!fs.existsSync('/proc/self/status')) {
    t.skip('needs /proc to sample memory');
    return;
  }
  const bytes = 1.5e9;
  const gen = spawn(process.execPath, [CLI, 'generate', '--bytes', String(bytes), '-o', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const analyze = spawn(process.execPath, [CLI, 'analyze', '-', '--json', '-', '--no-progress'], { stdio: ['pipe', 'pipe', 'pipe'] });
  gen.stdout.pipe(analyze.stdin);
  const samples: { at: number; rss: number }[] = [];
  let read = 0;
  gen.stdout.on('data', (d: Buffer) => (read += d.length));
  const timer = setInterval(() => {
    const rss = rssMb(analyze.pid!);
    if (rss !== null) samples.push({ at: read / bytes, rss });
  }, 50);
  let out = '';
  analyze.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => analyze.on('close', resolve));
  clearInterval(timer);
  assert.equal(code, 0);
  const report = JSON.parse(out) as AnalysisReport;
  assert.ok(report.captures[0].bytes > bytes * 0.95, `${report.captures[0].bytes} frame bytes`);
  const early = Math.max(...samples.filter((s) => s.at > 0.1 && s.at <= 0.3).map((s) => s.rss));
  const late = Math.max(...samples.filter((s) => s.at > 0.7).map((s) => s.rss));
  t.diagnostic(`peak RSS ${early.toFixed(0)} MB at 10-30 % of the stream, ${late.toFixed(0)} MB after 70 % (${samples.length} samples)`);
  assert.ok(Number.isFinite(early) && Number.isFinite(late), 'sampled both phases');
  assert.ok(late < early + 16, `memory grew from ${early.toFixed(0)} to ${late.toFixed(0)} MB`);
});

test('hundreds of thousands of tiny flows: memory bounded by --max-live-flows (the quietest move to a temporary file)', { timeout: 180_000 }, async (t) => {
  if (!fs.existsSync('/proc/self/status')) {
    t.skip('needs /proc to sample memory');
    return;
  }
  /** Peak RSS of `analyze --json -` over `flows` four-packet flows, and the report. */
  const run = async (flows: number): Promise<{ peak: number; report: AnalysisReport }> => {
    const file = path.join(dir, `tiny-${flows}.pcap`);
    await generate(file, '--scenario', 'tiny-flows', '--flows', String(flows), '--packets', String(4 * flows));
    const child = spawn(process.execPath, [CLI, 'analyze', file, '--max-live-flows', '5000', '--json', '-', '--no-progress'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, rssMb(child.pid!) ?? 0)), 20);
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(timer);
    fs.rmSync(file);
    assert.equal(code, 0);
    return { peak, report: JSON.parse(Buffer.concat(out).toString()) as AnalysisReport };
  };
  const few = await run(25_000);
  const many = await run(200_000);
  t.diagnostic(`peak RSS ${few.peak.toFixed(0)} MB for 25,000 flows, ${many.peak.toFixed(0)} MB for 200,000 (5,000 held at once)`);
  assert.equal(few.report.flows.length, 25_000);
  assert.equal(many.report.flows.length, 200_000);
  assert.equal(many.report.flows.reduce((n, f) => n + f.packets, 0), 800_000);
  // Every flow ended (FIN) before it was moved: none is split, and no warning says so.
  assert.deepEqual(many.report.captures[0].warnings, []);
  // Held as rows, 175,000 more flows would take about 200 MB; moved out, each keeps 12 bytes of index.
  assert.ok(many.peak - few.peak < 64, `memory grew ${(many.peak - few.peak).toFixed(0)} MB for 175,000 more flows`);
});

test('disk full under the database and under the reports: one clear line, exit 2, database intact', { timeout: 120_000 }, async (t) => {
  const mountPoint = path.join(dir, 'full');
  fs.mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (err) {
    t.skip(`cannot mount an 8 MB tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}): needs root`);
    return;
  }
  t.after(() => execFileSync('umount', [mountPoint]));
  const db = path.join(mountPoint, 'evidence.db');
  assert.equal((await runCli(['analyze', small, '--db', db, '--no-progress'])).code, 0);
  const kept = withStore(db, (s) => s.report(1));

  // The database outgrows the disk while an analysis is saved.
  const full = await runCli(['analyze', many, '--db', db, '--no-progress']);
  assert.equal(full.code, 2, full.stderr);
  assert.equal(full.stderr, `vmkscope: error: ${db}: the disk is full: this analysis was not kept (earlier ones are intact); free some space and run it again\n`);
  assert.equal(integrityCheck(db), 'ok');
  assert.deepEqual(withStore(db, (s) => s.report(1)), kept);
  assert.deepEqual(withStore(db, (s) => s.list()).map((a) => [a.id, a.status]), [[2, 'failed'], [1, 'complete']]);

  // Nothing left at all: reports, tables and generated captures fail loudly instead of leaving a cut file behind exit 0.
  const filler = path.join(mountPoint, 'filler');
  fs.writeFileSync(filler, Buffer.alloc(0));
  try {
    for (;;) fs.appendFileSync(filler, Buffer.alloc(64 * 1024));
  } catch {
    // ENOSPC: the disk is full now.
  }
  for (const [args, file] of [
    [['analyze', small, '--no-progress', '--json', path.join(mountPoint, 'report.json')], path.join(mountPoint, 'report.json')],
    [['analyze', small, '--no-progress', '--html', path.join(mountPoint, 'report.html')], path.join(mountPoint, 'report.html')],
    [['analyze', small, '--no-progress', '--csv', path.join(mountPoint, 'tables')], path.join(mountPoint, 'tables', 'flows.csv')],
    [['generate', '--packets', '1000', '-o', path.join(mountPoint, 'gen.pcap')], path.join(mountPoint, 'gen.pcap')],
  ] as const) {
    const r = await runCli([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('vmkscope: error: ')).length, 1, r.stderr);
    assert.ok(r.stderr.includes(`vmkscope: error: ${file}: cannot write: no space left on the device (the disk is full)\n`), r.stderr);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  }
  const again = await runCli(['analyze', small, '--db', db, '--no-progress']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, new RegExp(`^vmkscope: error: ${db}: the disk (is full|failed while writing)`));
  assert.equal(integrityCheck(db), 'ok');
  assert.deepEqual(withStore(db, (s) => s.report(1)), kept);

  // Space again: the same database takes the analysis that did not fit before... once there is room.
  fs.rmSync(filler);
  const rerun = await runCli(['analyze', small, '--db', db, '--json', path.join(mountPoint, 'report.json'), '--no-progress']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.equal((JSON.parse(fs.readFileSync(path.join(mountPoint, 'report.json'), 'utf8')) as AnalysisReport).captures[0].packets, 5000);
});
