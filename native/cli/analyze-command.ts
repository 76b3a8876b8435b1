import fs from 'node:fs';
import { htmlReport } from '../../core/report/html.js';
import { DigestSink, writeReport, type ReportSink } from '../../core/report/sink.js';
import { UsageError } from '../../core/contract/errors.js';
import type { FlowRecord, ReportHead } from '../../core/contract/report.js';
import { Engine } from '../engine/engine.js';
import { parseCommandArgs } from './args.js';
import { CsvSink, JsonSink } from './file-sinks.js';
import { writingTo } from './output-error.js';
import { ProgressLine } from './progress.js';
import { summaryText } from './summary.js';

export async function runAnalyze(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: 'string' },
    html: { type: 'string' },
    csv: { type: 'string' },
    inventory: { type: 'string', multiple: true },
    policy: { type: 'string' },
    db: { type: 'string' },
    'no-progress': { type: 'boolean' },
    hash: { type: 'boolean' },
    'max-live-flows': { type: 'string' },
  });
  if (positionals.length === 0) throw new UsageError('analyze needs at least one capture file (or - for standard input)');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const maxLive = values['max-live-flows'];
  if (maxLive !== undefined && !/^[1-9]\d*$/.test(maxLive)) throw new UsageError('--max-live-flows takes a positive number of flows');
  return analyzeAndPrint(positionals, {
    json: values.json,
    html: values.html,
    csv: values.csv,
    inventory: values.inventory,
    policy: values.policy,
    db: values.db,
    hash: values.hash ?? false,
    maxLiveFlows: maxLive === undefined ? undefined : Number(maxLive),
    progress: !values['no-progress'] && process.stderr.isTTY,
  });
}

export interface OutputOptions {
  /** Report JSON to this file, or `-` for stdout (then nothing else goes to stdout). */
  json?: string;
  /** A self-contained HTML report for auditors (implies hash: chain of custody). */
  html?: string;
  /** A folder for flows.csv, findings.csv, migrations.csv. */
  csv?: string;
  inventory?: string[];
  policy?: string;
  /** Keep the analysis in this database. */
  db?: string;
  hash: boolean;
  /** Flows held in memory at once per capture (see DEFAULT_MAX_LIVE_FLOWS). */
  maxLiveFlows?: number;
  /** A progress line on stderr. */
  progress: boolean;
}

/** Analyse captures and write what was asked; returns the exit status (1 when a finding fails). */
export async function analyzeAndPrint(captures: string[], options: OutputOptions): Promise<number> {
  const jsonToStdout = options.json === '-';
  const progress = options.progress ? new ProgressLine(process.stderr) : null;
  const engine = new Engine({ database: options.db ?? null, maxLiveFlows: options.maxLiveFlows });
  if (progress) engine.on('progress', (p) => progress.update(p));
  engine.on('warning', (w) => process.stderr.write(`vmkscope: warning: ${w}\n`));
  const startedAt = new Date();
  const outputs = new Outputs(options, startedAt);
  let result;
  try {
    result = await engine.analyze({ captures, hash: options.hash || options.html !== undefined, inventory: options.inventory, policy: options.policy, store: options.db !== undefined }, outputs.sinks);
  } finally {
    progress?.done();
    engine.close();
  }
  const { head, analysisId } = result;
  if (analysisId !== null && !jsonToStdout) process.stderr.write(`vmkscope: kept as analysis ${analysisId} in ${options.db}\n`);
  outputs.finish(head);
  return head.summary.fail > 0 ? 1 : 0;
}

/**
 * The outputs asked for (JSON, CSV, the summary, HTML), fed as the flows stream past, once: the
 * sinks during the analysis, then finish() for what needs every flow seen first.
 */
export class Outputs {
  readonly sinks: ReportSink[];
  private readonly digest = new DigestSink();

  constructor(
    private readonly options: Pick<OutputOptions, 'json' | 'html' | 'csv'>,
    private readonly startedAt: Date,
  ) {
    this.sinks = [this.digest];
    if (options.json !== undefined) this.sinks.push(new JsonSink(options.json));
    if (options.csv !== undefined) this.sinks.push(new CsvSink(options.csv));
  }

  /** Everything in one go, for a report whose flows can be read again (a live capture's last state). */
  async write(head: ReportHead, flows: Iterable<FlowRecord>): Promise<void> {
    await writeReport(head, flows, this.sinks);
    this.finish(head);
  }

  /** The HTML report, then the summary on stdout (unless stdout carries the JSON). */
  finish(head: ReportHead): void {
    const html = this.options.html;
    if (html !== undefined) {
      const text = htmlReport(head, this.digest.digest!, { commandLine: ['vmkscope', ...process.argv.slice(2)].join(' '), generatedAt: this.startedAt.toISOString() });
      writingTo(html, () => fs.writeFileSync(html, text));
    }
    if (this.options.json === '-') {
      for (const c of head.captures) for (const w of c.warnings) process.stderr.write(`vmkscope: warning: ${c.file}: ${w}\n`);
    } else {
      process.stdout.write(`${summaryText(head, this.digest.digest!)}\n`);
    }
  }
}
