/**
 * Every good sample (esxcli text/csv/xml/keyvalue, esxcfg-vmknic, govc, PowerCLI, canonical),
 * alone or with the files it merges with, imported and written as canonical YAML, diffed against
 * test/inventory/golden/. After an intended change, regenerate with
 * `npx tsc -b && VMKSCOPE_UPDATE_GOLDEN=1 node --test dist/test/inventory/` and review the diff.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { IMPORTERS } from '../../core/inventory/importers/registry.js';
import { splitTranscript } from '../../core/inventory/transcript.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import { repoPath } from '../helpers/paths.js';
import { described, loadSamples, SAMPLES } from './helpers.js';

const UPDATE = process.env.VMKSCOPE_UPDATE_GOLDEN === '1';
const GOLDEN = repoPath('test/inventory/golden');

/** Each case: the samples imported together. */
const CASES: Record<string, string[]> = {
  'esx01-session': ['esx01-session.txt'],
  'esx02-esx03-session': ['esx02-esx03-session.txt'],
  'esx01-separate-files': ['esx01.interfaces.txt', 'esx01.ipv4.txt', 'esx01.tags.txt'],
  'esx04-csv-session': ['esx04-csv-session.txt'],
  'esx04-ipv4-csv': ['esx04.ipv4.csv'],
  'esx05-xml-session': ['esx05-xml-session.txt'],
  'esx06-keyvalue-session': ['esx06-keyvalue-session.txt'],
  'esx01-esxcfg-vmknic': ['esx01.esxcfg-vmknic.txt'],
  'govc-vnic-info': ['govc-vnic-info.txt'],
  'esx02-vnic-info-json': ['esx02.vnic-info.json'],
  'esx03-vnic-info-pascal-json': ['esx03.vnic-info-pascal.json'],
  'vmkernel-adapters': ['vmkernel-adapters.csv'],
  'vmkernel-adapters-notype': ['vmkernel-adapters-notype.csv'],
  'powercli-adapters-and-netconfig': ['vmkernel-adapters.csv', 'netconfig.csv'],
  'canonical-yaml': ['canonical.yaml'],
  'canonical-json': ['canonical.json'],
  'session-and-site-overlay': ['esx01-session.txt', 'site-overlay.yaml'],
  'sessions-and-powercli': ['esx01-session.txt', 'esx02-esx03-session.txt', 'vmkernel-adapters.csv'],
};

for (const [name, samples] of Object.entries(CASES)) {
  test(`golden: ${name}`, () => {
    const result = loadSamples(...samples);
    assert.deepEqual(described(result.problems), [], 'a good sample has no problems');
    const yaml = inventoryToYaml(result.inventory);
    const golden = path.join(GOLDEN, `${name}.yaml`);
    if (UPDATE) fs.writeFileSync(golden, yaml);
    assert.ok(fs.existsSync(golden), `${golden} is missing: run with VMKSCOPE_UPDATE_GOLDEN=1`);
    assert.equal(yaml, fs.readFileSync(golden, 'utf8'));
  });
}

test('every good sample is in a golden case', () => {
  const used = new Set(Object.values(CASES).flat());
  const samples = fs.readdirSync(SAMPLES).filter((f) => fs.statSync(path.join(SAMPLES, f)).isFile());
  assert.deepEqual(samples.filter((s) => !used.has(s)), []);
});

test('every importer reads at least one good sample', () => {
  const used = new Set<string>();
  for (const file of new Set(Object.values(CASES).flat())) {
    const text = fs.readFileSync(path.join(SAMPLES, file), 'utf8').replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    for (const section of splitTranscript(text)) {
      const importer = IMPORTERS.find((i) => i.detect(section));
      if (importer) used.add(importer.format);
    }
  }
  assert.deepEqual(IMPORTERS.map((i) => i.format).filter((f) => !used.has(f)), []);
});
