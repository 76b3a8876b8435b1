/**
 * The long fuzz run (docs/fuzzing.md):
 *
 *   npm run fuzz -- --minutes 30                  every target, the time shared among them
 *   npm run fuzz -- --target pcapng --minutes 5   one target
 *   npm run fuzz -- --execs 2000 --seed 7         a fixed number of executions per target
 *
 * Options: --jobs N (targets fuzzed at once; default: the number of CPUs), --save (add inputs
 * that reached new coverage to test/fuzz/corpus/<target>/, at most 20 per target and 64 KiB
 * each), --out DIR (where findings are written; default dist/fuzz-findings), --json FILE (the
 * figures as JSON). Exit status 1 when anything was found.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoPath } from '../helpers/paths.js';
import { CORPUS_DIR, runTarget, type RunResult } from './runner.js';
import { TARGETS } from './targets.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    execs: { type: 'string' },
    target: { type: 'string', multiple: true },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    jobs: { type: 'string', default: String(os.availableParallelism()) },
    save: { type: 'boolean', default: false },
    out: { type: 'string', default: repoPath('dist/fuzz-findings') },
    json: { type: 'string' },
  },
});

const targets = values.target ?? TARGETS.map((t) => t.name);
const jobs = Math.max(1, Math.min(Number(values.jobs), targets.length));
const seed = Number(values.seed);
const minutes = values.minutes === undefined ? (values.execs === undefined ? 1 : undefined) : Number(values.minutes);
// Each job works through its share of the targets one after another.
const perTarget = minutes === undefined ? undefined : (minutes * 60 * jobs) / targets.length;
const execs = values.execs === undefined ? undefined : Number(values.execs);

console.log(`fuzzing ${targets.length} target(s), ${jobs} at a time, seed ${seed}, ${perTarget === undefined ? `${execs} executions` : `${perTarget.toFixed(0)} s`} each`);

const results: RunResult[] = [];
const queue = [...targets];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const r = await runTarget(name, { seed, execs, seconds: perTarget, hangMs: 10_000 });
      results.push(r);
      console.log(`${name.padEnd(30)} ${String(r.execs).padStart(9)} execs ${(r.execs / r.seconds).toFixed(0).padStart(6)}/s  corpus ${r.seeds} -> ${r.corpus}  features ${r.features}  findings ${r.findings.length}`);
      for (const f of r.findings) {
        const dir = path.join(values.out, name);
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${f.kind}-${createHash('sha256').update(f.input).digest('hex').slice(0, 12)}`);
        fs.writeFileSync(file, f.input);
        fs.writeFileSync(`${file}.txt`, `${f.signature}\n\n${f.message}\n`);
        console.log(`  ${f.kind}: ${f.signature}\n    input: ${file}`);
      }
      if (values.save) {
        const dir = path.join(CORPUS_DIR, name);
        const kept = r.newInputs.filter((i) => i.length <= 64 * 1024).slice(-20);
        for (const i of kept) fs.writeFileSync(path.join(dir, `found-${createHash('sha256').update(i).digest('hex').slice(0, 16)}`), i);
      }
    }
  }),
);

results.sort((a, b) => targets.indexOf(a.target) - targets.indexOf(b.target));
const total = results.reduce((s, r) => ({ execs: s.execs + r.execs, findings: s.findings + r.findings.length }), { execs: 0, findings: 0 });
console.log(`total: ${total.execs} executions, ${total.findings} finding(s)`);
if (values.json) {
  const figures = results.map((r) => ({ target: r.target, execs: r.execs, seconds: r.seconds, execsPerSecond: Math.round(r.execs / r.seconds), seeds: r.seeds, corpus: r.corpus, features: r.features, findings: r.findings.map((f) => ({ kind: f.kind, signature: f.signature })) }));
  fs.writeFileSync(values.json, `${JSON.stringify({ seed, jobs, node: process.version, figures }, null, 2)}\n`);
}
process.exitCode = total.findings > 0 ? 1 : 0;
