/**
 * The evidence outputs: --inventory with a generated site, --html (self-contained, printable,
 * with the chain of custody), --csv, broken inventory and policy files, and exit status 1 when a
 * finding fails. (Policies that turn a gateway crossing into a failure: test/lab.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AnalysisReport } from '../../core/contract/report.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
const capture = path.join(dir, 'site.pcapng');
const inventory = path.join(dir, 'site.yaml');

/** Minimal RFC 4180 reader: enough to check what the CSV files hold. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

test('setup: a generated capture and the inventory of its site', async () => {
  const r = await runCli(['generate', '--packets', '30000', '--scale', '0.01', '--vlan', '--format', 'pcapng', '-o', capture, '--inventory-out', inventory]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(fs.readFileSync(inventory, 'utf8'), /^hosts:\n {2}- name: esx01\.lab\.example/);
});

test('--html writes one self-contained, printable report with verdicts first and the chain of custody', async () => {
  const html = path.join(dir, 'report.html');
  const csv = path.join(dir, 'csv');
  const r = await runCli(['analyze', capture, '--inventory', inventory, '--html', html, '--csv', csv, '--json', '-']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as AnalysisReport;
  const page = fs.readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.doesNotMatch(page, /<script|<link|src=|url\(|https?:\/\//i, 'nothing loaded from elsewhere');
  const order = ['id="verdicts"', 'id="migrations"', 'id="findings"', 'id="inventory"', 'id="custody"'].map((m) => page.indexOf(m));
  assert.deepEqual(order, order.slice().sort((a, b) => a - b), 'verdicts, migrations, findings, inventory, custody');
  assert.ok(order.every((i) => i > 0));
  // Chain of custody: the capture's SHA-256 (computed because HTML asks for it), size, tool, command line.
  const sha = createHash('sha256').update(fs.readFileSync(capture)).digest('hex');
  assert.equal(report.captures[0].sha256, sha);
  assert.ok(page.includes(sha));
  assert.ok(page.includes(`analyze ${capture} --inventory ${inventory}`));
  for (const f of report.findings) assert.ok(page.includes(`id="${f.id}"`), `finding ${f.id} in the page`);
  assert.match(page, /<svg class="chart"|No throughput chart/);
  assert.match(page, /frame \d+/);

  const flows = parseCsv(fs.readFileSync(path.join(csv, 'flows.csv'), 'utf8'));
  assert.equal(flows[0][0], 'id');
  assert.equal(flows.length - 1, report.flows.length);
  const vmotion = flows.find((row) => row[11] === 'vmotion')!;
  assert.deepEqual([vmotion[5], vmotion[6], vmotion[21]], ['esx01.lab.example', 'vmk1', 'no']);
  const findings = parseCsv(fs.readFileSync(path.join(csv, 'findings.csv'), 'utf8'));
  assert.deepEqual(findings.slice(1).map((row) => row[1]), report.findings.map((f) => f.rule));
  const migrations = parseCsv(fs.readFileSync(path.join(csv, 'migrations.csv'), 'utf8'));
  assert.deepEqual(migrations.slice(1).map((row) => row[1]), report.migrations.map((m) => m.kind));
});

test('the HTML report prints (Chromium, print to PDF)', async (t) => {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((c) => fs.existsSync(c));
  if (!chromium) {
    t.skip('Chromium is not installed (Debian package chromium)');
    return;
  }
  const html = path.join(dir, 'report.html');
  const pdf = path.join(dir, 'report.pdf');
  const r = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'chromium')}`, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${html}`], { timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr?.toString());
  const bytes = fs.readFileSync(pdf);
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  assert.ok((bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length >= 2, 'the report spans pages');
});

test('a failing finding makes the exit status 1', async () => {
  // An inventory whose vMotion vmks do not carry vMotion: the generated vMotion breaks the rule.
  const broken = path.join(dir, 'broken.yaml');
  fs.writeFileSync(broken, fs.readFileSync(inventory, 'utf8').replace(/netstack: vmotion\n(\s+)services: \[vmotion\]/g, 'netstack: defaultTcpipStack\n$1services: [vsan]'));
  const r = await runCli(['analyze', capture, '--inventory', broken, '--json', '-']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as AnalysisReport;
  assert.ok(report.findings.some((f) => f.rule === 'hot-path.vmotion-vmk' && f.status === 'fail'));
});

test('a broken policy or inventory file exits 2 naming the file and line', async () => {
  const policy = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policy, 'gateway:\n  forbid: [vmotion, lukewarm]\nunknownEndpoints: maybe\n');
  const r = await runCli(['analyze', capture, '--inventory', inventory, '--policy', policy]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /policy\.yaml:2: gateway\.forbid: "lukewarm" is not a migration kind/);
  assert.match(r.stderr, /policy\.yaml:3: unknownEndpoints must be warn or fail/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const inv = path.join(dir, 'bad.yaml');
  fs.writeFileSync(inv, 'hosts:\n  - name: esx01\n    vmks:\n      - device: vmk0\n        ip: 10.0.0.300/24\n');
  const i = await runCli(['analyze', capture, '--inventory', inv]);
  assert.equal(i.code, 2);
  assert.match(i.stderr, /bad\.yaml:5: /);
});
