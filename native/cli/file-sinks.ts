import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { FlowRecord, ReportHead } from '../../core/contract/report.js';
import { csvTables, flowCsvHeader, flowCsvRow } from '../../core/report/csv.js';
import { reportJsonEnd, reportJsonFlow, reportJsonStart } from '../../core/report/json.js';
import type { ReportSink } from '../../core/report/sink.js';

/** Text to a file or stdout in ~1 MB writes, waiting when the stream is full. */
class TextOutput {
  private batch = '';

  constructor(private readonly out: Writable, private readonly ownsStream: boolean) {}

  static open(target: string): TextOutput {
    return target === '-' ? new TextOutput(process.stdout, false) : new TextOutput(fs.createWriteStream(target), true);
  }

  write(text: string): Promise<void> | undefined {
    this.batch += text;
    if (this.batch.length < 1 << 20) return undefined;
    const full = !this.out.write(this.batch);
    this.batch = '';
    return full ? new Promise((resolve) => this.out.once('drain', () => resolve())) : undefined;
  }

  async close(): Promise<void> {
    const rest = this.batch;
    this.batch = '';
    if (!this.ownsStream) {
      if (rest.length > 0 && !this.out.write(rest)) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
      return;
    }
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(rest, () => resolve());
    });
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
    fs.mkdirSync(dir, { recursive: true });
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
    for (const [name, text] of Object.entries(csvTables(this.head!))) fs.writeFileSync(path.join(this.dir, name), text);
  }
}

/** The report JSON of a head and its flows (`db show --json`). */
export async function writeJson(head: ReportHead, flows: Iterable<FlowRecord>, target: string): Promise<void> {
  const sink = new JsonSink(target);
  sink.begin(head);
  for (const f of flows) await sink.flow(f);
  await sink.end();
}
