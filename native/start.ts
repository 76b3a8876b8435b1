// `npm start`: the desktop app where Electron's runtime is present; otherwise the same app in
// browser mode, with the URL to open. Either way, a first launch opens the bundled sample.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectron } from './electron-runtime.js';
import { parseServeArgs, serveUntilStopped } from './server/serve-command.js';

const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const electron = findElectron(root);

if ('binary' in electron) {
  const child = spawn(electron.binary, [path.join(root, 'dist/electron/main.js'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    // In a checkout, better-sqlite3 is built for this Node, not for Electron: the engine process runs on it.
    env: { ...process.env, VMKSCOPE_ENGINE_NODE: process.execPath },
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal !== null ? 1 : 0);
  });
} else {
  process.exitCode = await serveUntilStopped(parseServeArgs(process.argv.slice(2)), `vmkscope: not starting the desktop app: ${electron.missing}.\nServing the same app in browser mode instead.\n\n`);
}
