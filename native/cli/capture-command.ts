import type { CaptureRequest, CaptureSource } from '../../core/contract/engine-api.js';
import { UsageError } from '../../core/contract/errors.js';
import { Engine } from '../engine/engine.js';
import { DEFAULT_UPDATE_SECONDS, type LiveCapture } from '../engine/live-capture.js';
import { defaultDatabasePath } from '../store/database.js';
import { shellLine } from '../sources/pktcap.js';
import { Outputs } from './analyze-command.js';
import { parseCommandArgs } from './args.js';
import { ProgressLine } from './progress.js';
import { table, thousands } from './text.js';

const OPTIONS = {
  'list-interfaces': { type: 'boolean' },
  interface: { type: 'string' },
  ssh: { type: 'string' },
  uplink: { type: 'string' },
  vmk: { type: 'string' },
  dir: { type: 'string' },
  command: { type: 'boolean' },
  filter: { type: 'string' },
  snaplen: { type: 'string' },
  'no-promisc': { type: 'boolean' },
  duration: { type: 'string' },
  packets: { type: 'string' },
  save: { type: 'string' },
  db: { type: 'string' },
  inventory: { type: 'string', multiple: true },
  policy: { type: 'string' },
  'update-every': { type: 'string' },
  json: { type: 'string' },
  html: { type: 'string' },
  csv: { type: 'string' },
  'no-progress': { type: 'boolean' },
} as const;

function integer(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${what} takes a whole number above 0 (got "${text}")`);
  return Number(text);
}

function seconds(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) throw new UsageError(`${what} takes seconds above 0 (got "${text}")`);
  return Number(text);
}

/**
 * `vmkscope capture`: one live source, analysed as it arrives, kept up to date in the database
 * every few seconds, and reported like `analyze` once it stops. A command's arguments follow `--`
 * and are run as they are, never through a shell.
 */
export async function runCapture(args: string[]): Promise<number> {
  const dashes = args.indexOf('--');
  const own = dashes < 0 ? args : args.slice(0, dashes);
  const commandArgv = dashes < 0 ? null : args.slice(dashes + 1);
  const { values, positionals } = parseCommandArgs(own, OPTIONS);
  if (values['list-interfaces']) return listInterfaces();

  const stdin = positionals.length === 1 && positionals[0] === '-';
  if (positionals.length > 0 && !stdin) throw new UsageError(`capture takes no file names (got "${positionals.join(' ')}"); a command's arguments go after --command --`);
  if (values.command && commandArgv === null) throw new UsageError('--command needs the program and its arguments after --, e.g. --command -- tcpdump -i eth1 -U -w -');
  if (!values.command && commandArgv !== null) throw new UsageError('arguments after -- are only for --command');
  const chosen = [values.interface !== undefined, values.ssh !== undefined, values.command === true, stdin].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('capture needs exactly one source: --interface IF, --ssh USER@HOST --uplink vmnicN, --command -- PROGRAM ..., or - (standard input)');
  if (values.ssh === undefined && (values.uplink !== undefined || values.vmk !== undefined || values.dir !== undefined)) throw new UsageError('--uplink, --vmk and --dir go with --ssh');
  if (values.interface === undefined && values['no-promisc']) throw new UsageError('--no-promisc goes with --interface');

  let source: CaptureSource;
  if (values.interface !== undefined) source = { kind: 'interface', name: values.interface, promiscuous: !values['no-promisc'] };
  else if (values.ssh !== undefined) {
    if (values.dir !== undefined && !/^[012]$/.test(values.dir)) throw new UsageError(`--dir is 0 (input), 1 (output) or 2 (both), not "${values.dir}"`);
    source = { kind: 'ssh', target: values.ssh, uplink: values.uplink, vmk: values.vmk, direction: values.dir === undefined ? 2 : (Number(values.dir) as 0 | 1 | 2) };
  } else if (values.command) source = { kind: 'command', argv: commandArgv! };
  else source = { kind: 'stdin' };

  const request: CaptureRequest = {
    source,
    filter: values.filter,
    snaplen: integer(values.snaplen, '--snaplen'),
    durationSeconds: seconds(values.duration, '--duration'),
    packets: integer(values.packets, '--packets'),
    save: values.save,
    inventory: values.inventory,
    policy: values.policy,
    updateSeconds: seconds(values['update-every'], '--update-every'),
  };
  const database = values.db ?? defaultDatabasePath();
  const say = (line: string): void => void process.stderr.write(`vmkscope: ${line}\n`);
  const progress = !values['no-progress'] && process.stderr.isTTY ? new ProgressLine(process.stderr) : null;
  const engine = new Engine({ database });
  if (progress) engine.on('progress', (p) => progress.update(p));
  engine.on('warning', (w) => say(`warning: ${w}`));
  const startedAt = new Date();
  let run;
  try {
    run = await engine.capture(request);
  } catch (err) {
    engine.close();
    throw err;
  }
  if (run.argv !== null) say(`running ${shellLine(run.argv)}`);
  say(`capturing from ${run.label} into analysis ${run.analysisId} in ${database} (updated every ${request.updateSeconds ?? DEFAULT_UPDATE_SECONDS} s); Ctrl-C stops`);

  try {
    return await finishCapture(run, engine, request, values, database, startedAt, progress, say);
  } catch (err) {
    // node_pcap frees a closed capture only at the next packet to arrive, holding the event loop
    // open until then: once the error is printed (main's handler runs first), leave anyway.
    if (source.kind === 'interface') setImmediate(() => process.exit());
    throw err;
  }
}

/** Wait for the capture to stop (Ctrl-C, its limits, its end) and write what was asked. */
async function finishCapture(
  run: LiveCapture,
  engine: Engine,
  request: CaptureRequest,
  values: { json?: string; html?: string; csv?: string },
  database: string,
  startedAt: Date,
  progress: ProgressLine | null,
  say: (line: string) => void,
): Promise<number> {
  // Ctrl-C stops cleanly; a second one gives up at once.
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++interrupted > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    run.stop('requested');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  try {
    result = await run.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress?.done();
    engine.close();
  }

  const s = result.stats;
  if (s !== null) say(`libpcap: ${thousands(s.received)} packets received by the filter, ${thousands(s.dropped)} dropped by the kernel (capture buffer full), ${thousands(s.ifDropped)} by the interface`);
  const report = result.report;
  if (report !== null) {
    if (values.json !== '-') say(`stopped (${result.stoppedBy}); kept as analysis ${result.analysisId} in ${database}${request.save !== undefined ? `, packets saved in ${request.save}` : ''}`);
    try {
      await new Outputs(values, startedAt).write(report.head, report.flows());
    } finally {
      result.close();
    }
  }
  let code = report !== null && report.head.summary.fail > 0 ? 1 : 0;
  if (result.error !== null) {
    say(`error: ${result.error.message}`);
    code = 2;
  }
  // See runCapture: everything is written (stdout and stderr are synchronous on Linux).
  if (request.source.kind === 'interface') process.exit(code);
  return code;
}

async function listInterfaces(): Promise<number> {
  const engine = new Engine({ database: null });
  const list = await engine.listInterfaces();
  const state = (v: boolean | null, yes: string, no: string): string => (v === null ? '-' : v ? yes : no);
  process.stdout.write(
    `${table(
      ['interface', 'state', 'link', 'addresses', 'description'],
      list.map((i) => [i.name, state(i.up, 'up', 'down'), state(i.running, 'running', 'no carrier'), i.addresses.join(' ') || '-', `${i.loopback ? 'loopback' : ''}${i.description ?? ''}` || '-']),
    )}\n`,
  );
  return 0;
}
