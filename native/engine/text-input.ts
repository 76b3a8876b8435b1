import fs from 'node:fs';
import { InventoryInputError } from '../../core/contract/errors.js';

/** A small text file (inventory, policy), or standard input for `-`, with a clear error. */
export function readTextInput(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new InventoryInputError([{ file, line: null, message: `cannot read: ${why}` }]);
  }
}
