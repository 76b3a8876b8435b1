/**
 * Golden tests: the generator's captures through the CLI (`generate`, then `analyze --json -`),
 * diffed against committed reports in test/golden/. After an intended change to the report,
 * regenerate them with `npm run golden:update` and review the diff.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalysisReport } from '../../core/contract/report.js';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const UPDATE = process.env.VMKSCOPE_UPDATE_GOLDEN === '1';
const GOLDEN = repoPath('test/golden');

/** Each case: the generate arguments that make its capture; `+inventory` cases analyse it with the site's inventory. */
const CASES: Record<string, string[]> = {
  'esxi-mix+inventory': ['--packets', '2500', '--scale', '0.004'],
  'lossy-trunk-erspan3+inventory': ['--packets', '3000', '--scale', '0.004', '--vlan', '--erspan', '3', '--loss', '0.01', '--format', 'pcapng', '--seed', '5'],
  'esxi-mix': ['--packets', '2500', '--scale', '0.004'],
  'trunk-vlan-erspan2-pcapng-ns': ['--packets', '2500', '--scale', '0.004', '--vlan', '--erspan', '2', '--format', 'pcapng', '--ns', '--seed', '2'],
  'erspan3-gzip-big-endian': ['--packets', '2000', '--scale', '0.004', '--erspan', '3', '--big-endian', '--gzip', '--seed', '3'],
  'lossy-sliced-pcapng': ['--packets', '3000', '--scale', '0.004', '--snaplen', '128', '--loss', '0.01', '--format', 'pcapng', '--seed', '4'],
  'small-packets': ['--scenario', 'small-packets', '--packets', '3000', '--hosts', '2', '--flows', '6'],
};

/** What may differ between runs and machines: the temporary folder, the tool's version. */
function normalise(report: AnalysisReport, dir: string): AnalysisReport {
  const text = JSON.stringify({ ...report, tool: { ...report.tool, version: '<version>' } });
  return JSON.parse(text.split(`${dir}${path.sep}`).join('')) as AnalysisReport;
}

const dir = tempDir();
for (const [name, args] of Object.entries(CASES)) {
  test(name, async () => {
    const capture = path.join(dir, `${name}.cap`);
    const inventory = path.join(dir, `${name}.yaml`);
    const withInventory = name.endsWith('+inventory');
    const gen = await runCli(['generate', ...args, '-o', capture, ...(withInventory ? ['--inventory-out', inventory] : [])]);
    assert.equal(gen.code, 0, gen.stderr);
    const r = await runCli(['analyze', capture, '--hash', '--json', '-', ...(withInventory ? ['--inventory', inventory] : [])]);
    assert.equal(r.code, 0, r.stderr);
    const report = normalise(JSON.parse(r.stdout) as AnalysisReport, dir);
    const golden = path.join(GOLDEN, `${name}.json`);
    if (UPDATE) fs.writeFileSync(golden, `${JSON.stringify(report, null, 2)}\n`);
    assert.ok(fs.existsSync(golden), `${golden} is missing: run npm run golden:update`);
    assert.deepEqual(report, JSON.parse(fs.readFileSync(golden, 'utf8')));
  });
}
