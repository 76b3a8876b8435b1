import { describeSystemError } from '../sources/byte-source.js';

/** A report, table or capture that could not be written (disk full, no permission): exit 2, one line. */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

/** A file-system failure while writing `file` as an OutputError naming it; anything else as it is. */
export function outputError(file: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code.startsWith('E') ? new OutputError(`${file}: cannot write: ${describeSystemError(err)}`) : err;
}

/** Run a synchronous write of `file`, turning a file-system failure into an OutputError. */
export function writingTo<T>(file: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    throw outputError(file, err);
  }
}
