/**
 * The fuzzing part of `npm test`: every input that ever crashed or fooled an oracle
 * (test/fuzz/regressions/<target>/) must now be handled, and a short coverage-guided run of
 * every target, from the committed corpus with a fixed seed and a fixed number of executions
 * (so CI runs the same inputs each time), must find nothing. The long run is `npm run fuzz`
 * (docs/fuzzing.md).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runOnce } from './engine.js';
import { REGRESSIONS_DIR, readInputs, runTarget } from './runner.js';
import { TARGETS, targetNamed } from './targets.js';

/** Executions of mutated inputs per target in CI: 1 to 3 s each on a 2-core machine. */
const CI_EXECS = Number(process.env.VMKSCOPE_FUZZ_EXECS ?? 150);

describe('every input that once failed is handled now', () => {
  for (const target of fs.existsSync(REGRESSIONS_DIR) ? fs.readdirSync(REGRESSIONS_DIR).sort() : []) {
    test(target, async () => {
      const dir = path.join(REGRESSIONS_DIR, target);
      const names = fs.readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
      const inputs = readInputs(dir);
      assert.ok(inputs.length > 0);
      for (const [i, input] of inputs.entries()) {
        const finding = await runOnce(targetNamed(target), input);
        assert.equal(finding, null, `${target}/${names[i]}: ${finding?.message}`);
      }
    });
  }
});

// Two targets at a time: each runs in a worker thread of its own, and node --test runs files one by one.
describe(`a short fuzz run of every target (seed 1, ${CI_EXECS} executions each) finds nothing`, { concurrency: 2 }, () => {
  for (const target of TARGETS) {
    test(`${target.name}: ${target.what}`, { timeout: 120_000 }, async (t) => {
      const r = await runTarget(target.name, { seed: 1, execs: CI_EXECS, hangMs: 20_000 });
      t.diagnostic(`${r.execs} executions in ${r.seconds.toFixed(1)} s (${(r.execs / r.seconds).toFixed(0)}/s), corpus ${r.seeds} -> ${r.corpus}, ${r.features} coverage features`);
      assert.deepEqual(
        r.findings.map((f) => `${f.kind}: ${f.signature}`),
        [],
        r.findings.map((f) => `${f.message}\ninput (${f.input.length} bytes, base64): ${Buffer.from(f.input.subarray(0, 2048)).toString('base64')}`).join('\n\n'),
      );
      assert.ok(r.execs >= CI_EXECS, `${r.execs} executions`);
    });
  }
});
