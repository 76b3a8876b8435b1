import fs from 'node:fs';
import { UsageError } from '../../core/contract/errors.js';
import { Engine } from '../engine/engine.js';
import { parseCommandArgs } from './args.js';
import { ProgressLine } from './progress.js';
import { summaryText } from './summary.js';

export async function runAnalyze(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: 'string' },
    'no-progress': { type: 'boolean' },
    hash: { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError('analyze needs at least one capture file (or - for standard input)');
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const jsonToStdout = values.json === '-';
  const progress = !values['no-progress'] && process.stderr.isTTY ? new ProgressLine(process.stderr) : null;
  const engine = new Engine();
  if (progress) engine.on('progress', (p) => progress.update(p));
  let report;
  try {
    report = await engine.analyze({ captures: positionals, hash: values.hash ?? false });
  } finally {
    progress?.done();
  }
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (jsonToStdout) process.stdout.write(json);
  else {
    if (values.json !== undefined) fs.writeFileSync(values.json, json);
    process.stdout.write(`${summaryText(report)}\n`);
  }
  for (const c of report.captures) for (const w of c.warnings) if (jsonToStdout) process.stderr.write(`vmkscope: warning: ${c.file}: ${w}\n`);
  return report.summary.fail > 0 ? 1 : 0;
}
