import fs from 'node:fs';
import path from 'node:path';
import { loadInventory, type InventoryLoadResult } from '../../core/inventory/load.js';
import { repoPath } from '../helpers/paths.js';

export const SAMPLES = repoPath('test/inventory/samples');

/** Loads samples by their path under test/inventory/samples, named by that path in messages. */
export function loadSamples(...names: string[]): InventoryLoadResult {
  return loadInventory(names.map((name) => ({ name, text: fs.readFileSync(path.join(SAMPLES, name), 'utf8') })));
}

/** Problems or warnings as `file:line: message` lines, as the CLI prints them. */
export function described(list: InventoryLoadResult['problems']): string[] {
  return list.map((p) => `${p.file}${p.line === null ? '' : `:${p.line}`}: ${p.message}`);
}
