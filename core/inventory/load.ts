/**
 * The inventory entry point: any mix of canonical files and pasted or exported host output, each
 * recognised from its content, merged into one Inventory.
 */
import type { Inventory, InventoryProblem } from '../contract/inventory.js';
import { InventoryBuilder } from './builder.js';
import { isCanonicalText, readCanonical } from './canonical.js';
import { ImportContext } from './importers/context.js';
import { IMPORTERS } from './importers/registry.js';
import { contentLines, isToolCommand, splitTranscript } from './transcript.js';

export interface InventoryInput {
  /** The file path (or `-`), for messages and as the host name when the content gives none. */
  name: string;
  text: string;
}

export interface InventoryLoadResult {
  inventory: Inventory;
  /** Fatal: the inventory must not be used. */
  problems: InventoryProblem[];
  /** Worth reading, not fatal (a host named after its file, a vmk left out for want of an address). */
  warnings: InventoryProblem[];
}

/** Host output: a transcript or a single command's output, each section to the importer that recognises it. */
function importOutput(text: string, file: string, builder: InventoryBuilder): void {
  const context = new ImportContext(builder, file);
  const skipped: { line: number; command: string }[] = [];
  let recognised = 0;
  for (const section of splitTranscript(text)) {
    const lines = contentLines(section);
    if (lines.length === 0) continue;
    const importer = IMPORTERS.find((i) => i.detect(section));
    if (importer) {
      importer.parse(section, context);
      recognised++;
    } else if (section.command && isToolCommand(section.command.text)) skipped.push({ line: section.command.line, command: section.command.text });
  }
  if (recognised === 0) {
    const known = ['canonical YAML/JSON', ...IMPORTERS.map((i) => i.format)].join('; ');
    builder.problem({ file, line: null }, `not a format vmkscope imports (known: ${known}); see docs/inventory.md`);
    return;
  }
  // A login banner or `exit` is no news; output of another esxcli command may be a wrong paste.
  for (const s of skipped) builder.warning({ file, line: s.line }, `skipped the output of "${s.command}": not an inventory source`);
}

export function loadInventory(inputs: InventoryInput[]): InventoryLoadResult {
  const builder = new InventoryBuilder();
  for (const input of inputs) {
    // Windows exports: a byte-order mark and CRLF line ends.
    const text = input.text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    if (text.includes('\0')) builder.problem({ file: input.name, line: null }, 'binary data, not an inventory (a capture goes to vmkscope analyze)');
    else if (text.trim() === '') builder.problem({ file: input.name, line: null }, 'empty');
    else if (isCanonicalText(text)) readCanonical(text, input.name, builder);
    else importOutput(text, input.name, builder);
  }
  const inventory = builder.finish(inputs.map((i) => i.name));
  // In the order of the files given, then of their lines.
  const order = (list: InventoryProblem[]): InventoryProblem[] => {
    const fileIndex = (p: InventoryProblem): number => inputs.findIndex((i) => i.name === p.file);
    return list.map((p, i) => ({ p, i })).sort((a, b) => fileIndex(a.p) - fileIndex(b.p) || (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i).map((e) => e.p);
  };
  return { inventory, problems: order(builder.problems), warnings: order(builder.warnings) };
}
