/**
 * The report JSON as `analyze --json` and the export write it: streamed in pieces that together
 * parse to the report, with each flow, finding and migration on a line of its own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CaptureAnalysis } from '../../core/flow/capture-analysis.js';
import { reportJsonPieces } from '../../core/report/json.js';
import { DEFAULT_POLICY } from '../../core/verify/policy.js';
import { readCapture } from '../../native/sources/capture-reader.js';
import { buildReport, verify } from '../helpers/report.js';
import { generate } from '../helpers/generate.js';
import { tempDir } from '../helpers/temp.js';

test('the pieces parse to the report; big arrays hold one element per line', async () => {
  const file = path.join(tempDir(), 'mix.pcap');
  fs.writeFileSync(file, generate({ packets: 20000, scale: 0.01 }).data);
  const analysis = new CaptureAnalysis();
  const facts = await readCapture(file, () => analysis, { hash: false });
  const report = verify(buildReport({ name: 'vmkscope', version: 'test' }, [{ file, ...facts, analysis }]), null, DEFAULT_POLICY);
  const { flows, ...rest } = report;
  const pieces = [...reportJsonPieces({ ...rest, flowCount: flows.length }, flows)];
  const text = pieces.join('');
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(report)));
  const lines = text.split('\n');
  for (const f of report.flows) assert.ok(lines.includes(`    ${JSON.stringify(f)},`) || lines.includes(`    ${JSON.stringify(f)}`), f.id);
  assert.ok(report.findings.length > 0 && report.migrations.length > 0);
  for (const f of report.findings) assert.ok(lines.some((l) => l.startsWith(`    ${JSON.stringify(f)}`)), f.id);
  // Nothing else is flattened: the captures keep the two-space layout.
  assert.ok(lines.includes('  "captures": ['));
  assert.ok(pieces.length > report.flows.length, 'written piece by piece, not as one string');
});
