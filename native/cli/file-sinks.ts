import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { FlowRecord, ReportHead } from '../../core/contract/report.js';
import { csvTables, flowCsvHeader, flowCsvRow } from '../../core/report/csv.js';
import { reportJsonEnd, reportJsonFlow, reportJsonStart } from '../../core/report/json.js';
import type { ReportSink } from '../../core/report/sink.js';
import { outputError, writingTo } from './output-error.js';

/** Room in the stream again, or the stream gone (after an error). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

/**
 * Text to a file or stdout in ~1 MB writes, waiting when the stream is full. A file that cannot
 * be written (disk full) fails the command with an OutputError naming it: never a cut report
 * behind exit status 0.
 */
class TextOutput {
  private batch = '';
  private failure: unknown = null;

  private constructor(
    private readonly out: Writable,
    private readonly target: string,
  ) {
    if (target !== '-') out.on('error', (err) => (this.failure ??= err));
  }

  static open(target: string): TextOutput {
    return new TextOutput(target === '-' ? process.stdout : fs.createWriteStream(target), target);
  }

  private check(): void {
    if (this.failure !== null) throw outputError(this.target, this.failure);
  }

  write(text: string): Promise<void> | undefined {
    this.batch += text;
    if (this.batch.length < 1 << 20) return undefined;
    this.check();
    const full = !this.out.write(this.batch);
    this.batch = '';
    return full ? drained(this.out).then(() => this.check()) : undefined;
  }

  async close(): Promise<void> {
    const rest = this.batch;
    this.batch = '';
    if (this.target === '-') {
      if (rest.length > 0 && !this.out.write(rest)) await drained(this.out);
      return;
    }
    // end()'s callback may hear of the failure before the 'error' event does.
    await new Promise<void>((resolve) =>
      this.out.end(rest, (err?: Error | null) => {
        if (err) this.failure ??= err;
        resolve();
      }),
    );
    this.check();
  }
}

/** The report JSON (core/report/json.ts) to a file or, for `-`, stdout. */
export class JsonSink implements ReportSink {
  private readonly out: TextOutput;
  private head: ReportHead | null = null;
  private n = 0;

  constructor(target: string) {
    this.out = TextOutput.open(target);
  }

  begin(head: ReportHead): void {
    this.head = head;
    void this.out.write(reportJsonStart(head));
  }

  flow(f: FlowRecord): Promise<void> | undefined {
    return this.out.write(reportJsonFlow(f, this.n++));
  }

  async end(): Promise<void> {
    await this.out.write(reportJsonEnd(this.head!, this.n));
    await this.out.close();
  }
}

/** flows.csv streamed, findings.csv and migrations.csv at the end, in one folder. */
export class CsvSink implements ReportSink {
  private readonly flows: TextOutput;
  private head: ReportHead | null = null;

  constructor(private readonly dir: string) {
    writingTo(dir, () => fs.mkdirSync(dir, { recursive: true }));
    this.flows = TextOutput.open(path.join(dir, 'flows.csv'));
  }

  begin(head: ReportHead): void {
    this.head = head;
    void this.flows.write(flowCsvHeader());
  }

  flow(f: FlowRecord): Promise<void> | undefined {
    return this.flows.write(flowCsvRow(this.head!, f));
  }

  async end(): Promise<void> {
    await this.flows.close();
    for (const [name, text] of Object.entries(csvTables(this.head!))) {
      const file = path.join(this.dir, name);
      writingTo(file, () => fs.writeFileSync(file, text));
    }
  }
}

/** The report JSON of a head and its flows (`db show --json`). */
export async function writeJson(head: ReportHead, flows: Iterable<FlowRecord>, target: string): Promise<void> {
  const sink = new JsonSink(target);
  sink.begin(head);
  for (const f of flows) await sink.flow(f);
  await sink.end();
}
