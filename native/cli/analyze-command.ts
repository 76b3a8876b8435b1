import fs from 'node:fs';
import path from 'node:path';
import { csvTables } from '../../core/report/csv.js';
import { htmlReport } from '../../core/report/html.js';
import { UsageError } from '../../core/contract/errors.js';
import type { AnalysisReport } from '../../core/contract/report.js';
import { Engine } from '../engine/engine.js';
import { parseCommandArgs } from './args.js';
import { writeReportJson } from './json-output.js';
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
  });
  if (positionals.length === 0) throw new UsageError('analyze needs at least one capture file (or - for standard input)');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  return analyzeAndPrint(positionals, {
    json: values.json,
    html: values.html,
    csv: values.csv,
    inventory: values.inventory,
    policy: values.policy,
    db: values.db,
    hash: values.hash ?? false,
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
  /** A progress line on stderr. */
  progress: boolean;
}

/** Analyse captures and write what was asked; returns the exit status (1 when a finding fails). */
export async function analyzeAndPrint(captures: string[], options: OutputOptions): Promise<number> {
  const jsonToStdout = options.json === '-';
  const progress = options.progress ? new ProgressLine(process.stderr) : null;
  const engine = new Engine({ database: options.db ?? null });
  if (progress) engine.on('progress', (p) => progress.update(p));
  engine.on('warning', (w) => process.stderr.write(`vmkscope: warning: ${w}\n`));
  const startedAt = new Date();
  let result;
  try {
    result = await engine.analyze({ captures, hash: options.hash || options.html !== undefined, inventory: options.inventory, policy: options.policy, store: options.db !== undefined });
  } finally {
    progress?.done();
    engine.close();
  }
  const { report, analysisId } = result;
  if (analysisId !== null && !jsonToStdout) process.stderr.write(`vmkscope: kept as analysis ${analysisId} in ${options.db}\n`);
  await writeOutputs(report, options, startedAt);
  return report.summary.fail > 0 ? 1 : 0;
}

/** The report as asked: HTML, CSV, JSON (a file or stdout alone), else the summary on stdout. */
export async function writeOutputs(report: AnalysisReport, options: Pick<OutputOptions, 'json' | 'html' | 'csv'>, startedAt: Date): Promise<void> {
  const jsonToStdout = options.json === '-';
  if (options.html !== undefined) {
    const html = htmlReport(report, { commandLine: ['vmkscope', ...process.argv.slice(2)].join(' '), generatedAt: startedAt.toISOString() });
    writingTo(options.html, () => fs.writeFileSync(options.html!, html));
  }
  if (options.csv !== undefined) {
    writingTo(options.csv, () => fs.mkdirSync(options.csv!, { recursive: true }));
    for (const [name, text] of Object.entries(csvTables(report))) {
      const file = path.join(options.csv, name);
      writingTo(file, () => fs.writeFileSync(file, text));
    }
  }
  if (jsonToStdout) {
    await writeReportJson(report, '-');
    for (const c of report.captures) for (const w of c.warnings) process.stderr.write(`vmkscope: warning: ${c.file}: ${w}\n`);
  } else {
    if (options.json !== undefined) await writeReportJson(report, options.json);
    process.stdout.write(`${summaryText(report)}\n`);
  }
}
