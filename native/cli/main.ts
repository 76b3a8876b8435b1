#!/usr/bin/env node
import { CaptureInputError, CaptureSourceError, InventoryInputError, UsageError } from '../../core/contract/errors.js';
import { StoreError } from '../store/database.js';
import { OutputError } from './output-error.js';

const USAGE = `usage:
  vmkscope analyze <capture>... [--inventory FILE]... [--policy FILE] [--db FILE] [--json FILE|-]
                   [--html FILE] [--csv DIR] [--hash] [--max-live-flows N] [--no-progress]
  vmkscope capture (--interface IF [--no-promisc] | --ssh USER@HOST (--uplink vmnicN | --vmk vmkN) [--dir 0|1|2]
                    | --command -- PROGRAM ARG... | -)
                   [--filter BPF] [--snaplen N] [--duration S] [--packets N] [--save FILE]
                   [--db FILE] [--inventory FILE]... [--policy FILE] [--update-every S]
                   [--json FILE|-] [--html FILE] [--csv DIR] [--no-progress]
  vmkscope capture --list-interfaces
  vmkscope db (list | show ID | rm ID...) [--db FILE] [--json]
  vmkscope carve [--db FILE] [--analysis ID] (--flow ID | --finding ID) -o OUT.pcap [--capture FILE]
  vmkscope generate [--scenario esxi-mix|small-packets|tiny-flows] (--packets N | --bytes N) [-o FILE|-]
                    [--format pcap|pcapng] [--ns] [--big-endian] [--gzip] [--vlan] [--erspan 1|2|3]
                    [--snaplen N] [--loss FRACTION] [--seed N] [--hosts N] [--scale X] [--flows N]
                    [--inventory-out FILE]
  vmkscope inventory import <file>... [-o FILE]
  vmkscope serve [--db FILE] [--port N] [--host 127.0.0.1]

A capture is pcap (µs or ns, either byte order), pcapng, or either one gzip-compressed;
the format is found from the bytes. "-" reads standard input.
Without --db, analyze keeps nothing; capture, db and carve use the per-user database unless --db is given.
capture runs a --command's arguments as given (no shell); over --ssh it runs pktcap-uw on the host.
Exit status: 0 no failing finding, 1 a finding failed, 2 usage error or unreadable input.`;

/**
 * Subcommands, each loaded when asked for (each returns the process exit status): start-up is
 * part of every analysis's time, and `analyze` needs neither the server nor live capture.
 */
const COMMANDS: Record<string, () => Promise<(args: string[]) => Promise<number>>> = {
  analyze: async () => (await import('./analyze-command.js')).runAnalyze,
  capture: async () => (await import('./capture-command.js')).runCapture,
  carve: async () => (await import('./carve-command.js')).runCarve,
  db: async () => (await import('./db-command.js')).runDb,
  generate: async () => (await import('./generate-command.js')).runGenerate,
  inventory: async () => (await import('./inventory-command.js')).runInventory,
  serve: async () => (await import('../server/serve-command.js')).runServe,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    const { toolInfo } = await import('../engine/tool-info.js');
    process.stdout.write(`vmkscope ${toolInfo().version}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load === undefined) throw new UsageError(`unknown command "${command}"`);
  return (await load())(args);
}

// A reader that stops early (`| head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`vmkscope: ${err.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (err instanceof CaptureInputError || err instanceof CaptureSourceError) {
      process.stderr.write(`vmkscope: error: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof StoreError || err instanceof OutputError) {
      process.stderr.write(`vmkscope: error: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof InventoryInputError) {
      for (const line of err.message.split('\n')) process.stderr.write(`vmkscope: error: ${line}\n`);
      process.exitCode = 2;
    } else {
      const e = err as Error;
      process.stderr.write(`vmkscope: internal error: ${e?.message ?? String(err)}\n`);
      if (process.env.VMKSCOPE_DEBUG) process.stderr.write(`${e?.stack}\n`);
      else process.stderr.write('(set VMKSCOPE_DEBUG=1 for details; please report this)\n');
      process.exitCode = 3;
    }
  },
);
