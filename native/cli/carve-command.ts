import { UsageError } from '../../core/contract/errors.js';
import { Engine } from '../engine/engine.js';
import { AnalysisStore } from '../store/analysis-store.js';
import { defaultDatabasePath } from '../store/database.js';
import { parseCommandArgs } from './args.js';

/** `vmkscope carve --db FILE (--flow ID | --finding ID) -o OUT.pcap [--analysis N] [--capture FILE]`. */
export async function runCarve(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    db: { type: 'string' },
    flow: { type: 'string' },
    finding: { type: 'string' },
    analysis: { type: 'string' },
    capture: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length > 0) throw new UsageError(`carve takes no positional arguments (got "${positionals[0]}")`);
  if ((values.flow === undefined) === (values.finding === undefined)) throw new UsageError('carve needs exactly one of --flow ID or --finding ID');
  if (values.output === undefined) throw new UsageError('carve needs -o OUT.pcap');
  const db = values.db ?? defaultDatabasePath();
  let analysisId: number;
  if (values.analysis !== undefined) {
    if (!/^\d+$/.test(values.analysis)) throw new UsageError('--analysis takes an analysis id (a number)');
    analysisId = Number(values.analysis);
  } else {
    // The most recent complete analysis, as `db list` shows first.
    const store = AnalysisStore.open(db);
    const latest = store.list().find((a) => a.status === 'complete');
    store.close();
    if (!latest) throw new UsageError(`no complete analysis in ${db}`);
    analysisId = latest.id;
  }
  const engine = new Engine({ database: db });
  try {
    const r = await engine.carve({ analysisId, flowId: values.flow, findingId: values.finding, output: values.output, capturePath: values.capture });
    process.stderr.write(`vmkscope: wrote ${r.packets} packets (${r.bytes} frame bytes) of ${r.flows.join(', ')} (analysis ${analysisId}) to ${r.output}\n`);
    return 0;
  } finally {
    engine.close();
  }
}
