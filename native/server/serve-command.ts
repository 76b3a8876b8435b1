import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../core/contract/errors.js';
import { parseCommandArgs } from '../cli/args.js';
import { AppEngine } from '../host/app-engine.js';
import { defaultDatabasePath } from '../store/database.js';
import { isLoopbackHost } from './security.js';
import { startServer, type RunningServer } from './server.js';

/** The renderer as `npm run build:renderer` (part of npm test and npm start) writes it. */
export const RENDERER_DIR = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../renderer');

export interface ServeOptions {
  db: string;
  port: number;
  host: string;
}

export function parseServeArgs(args: string[]): ServeOptions {
  const { values, positionals } = parseCommandArgs(args, { db: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`serve takes no files (${positionals[0]}): open captures from the page`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${values.port}: expected a port number (0-65535, 0 picks a free one)`);
  const host = values.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new UsageError(`--host ${host}: serve listens on a loopback address only (127.0.0.1, ::1, localhost); reach it from elsewhere through an SSH tunnel`);
  return { db: values.db ?? defaultDatabasePath(), port, host };
}

/**
 * Start the engine and the browser-mode server; answers once it listens. The run's uploads and
 * carved packets live in a fresh temporary folder removed by close().
 */
export async function serve(options: ServeOptions): Promise<RunningServer & { api: AppEngine }> {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new UsageError(`the user interface is not built (${RENDERER_DIR}/index.html is missing): run npm run build:renderer`);
  }
  const api = new AppEngine(options.db);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmkscope-serve-'));
  try {
    const server = await startServer({ api, rendererDir: RENDERER_DIR, workDir, host: options.host, port: options.port });
    return {
      ...server,
      api,
      close: async () => {
        await server.close();
        await api.close();
      },
    };
  } catch (err) {
    fs.rmSync(workDir, { recursive: true, force: true });
    await api.close();
    throw err;
  }
}

/** Serve until interrupted (Ctrl-C), then remove this run's temporary files. */
export async function serveUntilStopped(options: ServeOptions, banner = ''): Promise<number> {
  const running = await serve(options);
  process.stdout.write(`${banner}vmkscope: the app is at\n\n  ${running.url}\n\n(database ${options.db}; Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  return 0;
}

export function runServe(args: string[]): Promise<number> {
  return serveUntilStopped(parseServeArgs(args));
}
