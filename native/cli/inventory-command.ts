import fs from 'node:fs';
import { InventoryInputError, UsageError } from '../../core/contract/errors.js';
import { loadInventory } from '../../core/inventory/load.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import { readTextInput } from '../engine/text-input.js';
import { parseCommandArgs } from './args.js';

/** `vmkscope inventory import <file>... [-o FILE]`: canonical YAML from any mix of inventory sources. */
export async function runInventory(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'import') throw new UsageError(subcommand === undefined ? 'inventory needs a subcommand: import' : `unknown inventory subcommand "${subcommand}" (known: import)`);
  const { values, positionals } = parseCommandArgs(rest, { output: { type: 'string', short: 'o' } });
  if (positionals.length === 0) throw new UsageError('inventory import needs at least one file (or - for standard input)');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const { inventory, problems, warnings } = loadInventory(positionals.map((name) => ({ name, text: readTextInput(name) })));
  for (const w of warnings) process.stderr.write(`vmkscope: warning: ${w.file}${w.line === null ? '' : `:${w.line}`}: ${w.message}\n`);
  // main.ts prints each as "vmkscope: error: file:line: message" and exits 2.
  if (problems.length > 0) throw new InventoryInputError(problems);
  const yaml = inventoryToYaml(inventory);
  if (values.output === undefined || values.output === '-') process.stdout.write(yaml);
  else fs.writeFileSync(values.output, yaml);
  return 0;
}
