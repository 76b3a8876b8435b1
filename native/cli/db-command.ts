import { UsageError } from '../../core/contract/errors.js';
import { AnalysisStore } from '../store/analysis-store.js';
import { defaultDatabasePath } from '../store/database.js';
import { parseCommandArgs } from './args.js';
import { writeJson } from './file-sinks.js';
import { summaryText } from './summary.js';
import { humanBytes, table, thousands } from './text.js';

/** `vmkscope db list|show ID|rm ID... [--db FILE] [--json]`: the analyses a database keeps. */
export async function runDb(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseCommandArgs(rest, { db: { type: 'string' }, json: { type: 'boolean' } });
  const file = values.db ?? defaultDatabasePath();
  const store = AnalysisStore.open(file);
  try {
    switch (action) {
      case 'list': {
        const list = store.list();
        if (values.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else if (list.length === 0) process.stdout.write(`no analyses in ${file}\n`);
        else {
          process.stdout.write(
            `${table(
              ['id', 'status', 'created (UTC)', 'packets', 'bytes', 'flows', 'fail', 'warn', 'pass', 'captures'],
              list.map((a) => [String(a.id), a.status, a.createdAt.slice(0, 19), thousands(a.packets), humanBytes(a.bytes), thousands(a.flowCount), String(a.summary.fail), String(a.summary.warn), String(a.summary.pass), a.inputs.join(' ')]),
              new Set([0, 3, 4, 5, 6, 7, 8]),
            )}\n`,
          );
        }
        return 0;
      }
      case 'show': {
        const id = analysisId(positionals[0]);
        const head = store.head(id);
        const a = store.detail(id);
        if (values.json) await writeJson(head, store.flowRecords(id), '-');
        else process.stdout.write(`analysis ${id} (${a.status}${a.error ? `: ${a.error}` : ''}), ${a.createdAt}\n\n${summaryText(head, store.digest(id))}\n`);
        return head.summary.fail > 0 ? 1 : 0;
      }
      case 'rm': {
        if (positionals.length === 0) throw new UsageError('db rm needs analysis ids');
        for (const p of positionals) {
          const id = analysisId(p);
          if (!store.delete(id)) throw new UsageError(`no analysis ${id} in ${file}`);
        }
        return 0;
      }
      default:
        throw new UsageError(`db needs list, show ID or rm ID (got "${action ?? ''}")`);
    }
  } finally {
    store.close();
  }
}

function analysisId(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`an analysis id is a number (got "${text ?? ''}")`);
  return Number(text);
}
