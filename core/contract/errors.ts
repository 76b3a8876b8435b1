/**
 * Errors a user can act on. Each names what was wrong and, for capture input, the byte offset
 * where the reader found it, so the CLI can print "FILE: at byte N: what" and exit 2 instead
 * of a stack trace.
 */

/** The bytes are not a capture we can read, or stop making sense at `offset`. */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
  constructor(
    message: string,
    /** Byte offset in the (decompressed) capture stream, or -1 where no offset applies. */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A capture error tied to the file (or `-`) it came from. */
export class CaptureInputError extends Error {
  override readonly name = 'CaptureInputError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    /** True when the offset counts bytes after gzip decompression. */
    readonly decompressed = false,
  ) {
    super(describeInputProblem(file, offset, reason, decompressed));
  }
}

export function describeInputProblem(file: string, offset: number, reason: string, decompressed = false): string {
  if (offset < 0) return `${file}: ${reason}`;
  const where = decompressed ? `at byte ${offset} of the decompressed stream` : `at byte ${offset}`;
  return `${file}: ${where}: ${reason}`;
}

/** Wrong command-line usage or an option value that cannot be used. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An inventory or policy file that cannot be used: every problem, with its file and line. */
export class InventoryInputError extends Error {
  override readonly name = 'InventoryInputError';
  constructor(readonly problems: { file: string; line: number | null; message: string }[]) {
    super(problems.map((p) => `${p.file}${p.line === null ? '' : `:${p.line}`}: ${p.message}`).join('\n'));
  }
}

/**
 * A live capture source that cannot start or stopped working: no capture privilege, libpcap's
 * module missing, ssh missing or refused, the remote command not found, the interface gone. The
 * message is one line saying what happened and what to do.
 */
export class CaptureSourceError extends Error {
  override readonly name = 'CaptureSourceError';
}
