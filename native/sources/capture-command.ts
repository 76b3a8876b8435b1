import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface CommandExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (ENOENT: not on PATH). */
  spawnError: NodeJS.ErrnoException | null;
}

/** Lines of stderr kept to explain a failure. */
const STDERR_LINES = 20;
/** A program that ignores SIGTERM this long is killed. */
const KILL_AFTER_MS = 3000;

/**
 * A program whose standard output is a capture (ssh running pktcap-uw, tcpdump -w -, anything),
 * started from an argument vector with shell: false, so nothing in its arguments is ever read by a
 * local shell. It gets a process group of its own (detached): a Ctrl-C at the terminal then
 * reaches vmkscope alone, which stops the program itself and reads what it still writes, instead
 * of both dying at once and the last packets with them.
 */
export class CaptureCommand {
  readonly child: ChildProcess;
  readonly stdout: Readable;
  readonly exited: Promise<CommandExit>;
  private readonly lines: string[] = [];
  private partial = '';
  private stopRequested = false;

  constructor(readonly argv: readonly string[]) {
    this.child = spawn(argv[0], argv.slice(1), { shell: false, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.stdout = this.child.stdout!;
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => this.stderrText(d));
    this.exited = new Promise((resolve) => {
      let spawnError: NodeJS.ErrnoException | null = null;
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        spawnError = err;
        // A program that never started emits no 'close' with a status worth waiting for.
        if (this.child.pid === undefined) resolve({ code: null, signal: null, spawnError });
      });
      this.child.once('close', (code, signal) => {
        if (this.partial !== '') this.keep(this.partial);
        resolve({ code, signal, spawnError });
      });
    });
  }

  /** Whether vmkscope asked the program to stop (its exit status is then no failure). */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /** The last lines the program wrote to stderr. */
  stderr(): string[] {
    return this.lines.slice();
  }

  /** Ask the program to stop (SIGTERM: tcpdump and pktcap-uw flush and exit), kill it if it does not. */
  terminate(): void {
    this.stopRequested = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const kill = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
    kill.unref();
    void this.exited.then(() => clearTimeout(kill));
  }

  private stderrText(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.keep(line);
  }

  private keep(line: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    this.lines.push(trimmed);
    if (this.lines.length > STDERR_LINES) this.lines.shift();
  }
}
