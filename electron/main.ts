/**
 * The desktop app's main process: one hardened window showing the renderer from app://, the IPC
 * router (router.ts) in front of the engine process, and the shell operations that need the
 * operating system (save dialogs, printing to PDF, opening packets in Wireshark).
 *
 * Environment: VMKSCOPE_DB names the database (default: the per-user one the CLI uses too);
 * VMKSCOPE_ENGINE_NODE names a Node binary to run the engine with in development, where
 * better-sqlite3 is built for Node rather than Electron (`npm start` sets it).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell, utilityProcess, type WebContents } from 'electron';
import type { AppOperation, HostMessage } from '../core/contract/app-api.js';
import { ipcChannel, type PacketSelection, type ShellApi } from '../core/contract/bridge.js';
import type { CarveResult, ExportRequest, ExportResult } from '../core/contract/engine-api.js';
import { EngineHost, type EngineChannel } from './engine-host.js';
import { createRouter } from './router.js';
import { APP_SCHEME, APP_URL, appFileFor, CONTENT_SECURITY_POLICY, isNavigationAllowed, isPermissionGranted, WEB_PREFERENCES } from './security.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RENDERER_DIR = path.join(here, '../renderer');
const PRELOAD = path.join(here, 'preload.cjs');
const ENGINE_ENTRY = path.join(here, '../native/host/engine-process.js');

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json' };

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const windows = new Set<WebContents>();

function startEngine(): EngineChannel {
  const args = process.env.VMKSCOPE_DB ? ['--db', process.env.VMKSCOPE_DB] : [];
  const node = process.env.VMKSCOPE_ENGINE_NODE;
  if (node) {
    const child = fork(ENGINE_ENTRY, args, { execPath: node, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return {
      send: (m) => child.send(m),
      onMessage: (l) => child.on('message', (m) => l(m as HostMessage)),
      onExit: (l) => child.on('exit', (code) => l(code)),
      kill: () => child.kill(),
    };
  }
  const child = utilityProcess.fork(ENGINE_ENTRY, args, { serviceName: 'vmkscope engine', stdio: 'inherit' });
  return {
    send: (m) => child.postMessage(m),
    onMessage: (l) => child.on('message', (m) => l(m as HostMessage)),
    onExit: (l) => child.on('exit', (code) => l(code)),
    kill: () => void child.kill(),
  };
}

function hardenSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(isPermissionGranted(permission)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => isPermissionGranted(permission));
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isNavigationAllowed(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isNavigationAllowed(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(request.url, RENDERER_DIR, path.join);
    if (file === null || !fs.existsSync(file)) return new Response('not found', { status: 404 });
    return new Response(await fs.promises.readFile(file), {
      headers: { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'vmkscope',
    show: false,
    webPreferences: { ...WEB_PREFERENCES, preload: PRELOAD },
  });
  const contents = win.webContents;
  windows.add(contents);
  win.on('closed', () => windows.delete(contents));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_URL);
  return win;
}

/** The shell operations, run here because they need dialogs, files and other programs. */
function shellOperations(engine: EngineHost): ShellApi {
  const call = <T>(operation: AppOperation, ...args: unknown[]) => engine.call(operation, args) as Promise<T>;
  const focused = () => BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
  const carvedDir = path.join(os.tmpdir(), 'vmkscope-carved');
  // The ids come from the renderer: whatever they hold, the name stays one file in carvedDir.
  const pcapName = (s: PacketSelection) => `vmkscope-${s.analysisId}-${s.findingId ?? s.flowId ?? 'packets'}.pcap`.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    async saveExport(request: ExportRequest) {
      const result = await call<ExportResult>('exportReport', request);
      if (typeof result.content !== 'string') {
        const choice = await dialog.showOpenDialog(focused(), { title: 'Folder for the CSV files', properties: ['openDirectory', 'createDirectory'] });
        if (choice.canceled || choice.filePaths.length === 0) return null;
        for (const [name, content] of Object.entries(result.content)) fs.writeFileSync(path.join(choice.filePaths[0], name), content);
        return choice.filePaths[0];
      }
      const choice = await dialog.showSaveDialog(focused(), { defaultPath: result.filename });
      if (choice.canceled || choice.filePath === undefined) return null;
      fs.writeFileSync(choice.filePath, result.content);
      return choice.filePath;
    },
    async savePdf(analysisId: number) {
      const result = await call<ExportResult>('exportReport', { analysisId, format: 'html' });
      const choice = await dialog.showSaveDialog(focused(), { defaultPath: result.filename.replace(/\.html$/, '.pdf') });
      if (choice.canceled || choice.filePath === undefined) return null;
      const html = path.join(os.tmpdir(), `vmkscope-print-${process.pid}-${analysisId}.html`);
      fs.writeFileSync(html, result.content as string);
      // The report has no script: print it in a window that runs none.
      const printer = new BrowserWindow({ show: false, webPreferences: { ...WEB_PREFERENCES, javascript: false } });
      try {
        await printer.loadFile(html);
        fs.writeFileSync(choice.filePath, await printer.webContents.printToPDF({ printBackground: true, pageSize: 'A4' }));
      } finally {
        printer.destroy();
        fs.rmSync(html, { force: true });
      }
      return choice.filePath;
    },
    async savePackets(selection: PacketSelection) {
      const choice = await dialog.showSaveDialog(focused(), { defaultPath: pcapName(selection), filters: [{ name: 'pcap', extensions: ['pcap'] }] });
      if (choice.canceled || choice.filePath === undefined) return null;
      return call<CarveResult>('carve', { ...selection, output: choice.filePath });
    },
    async openInWireshark(selection: PacketSelection) {
      fs.mkdirSync(carvedDir, { recursive: true });
      const result = await call<CarveResult>('carve', { ...selection, output: path.join(carvedDir, pcapName(selection)) });
      const problem = await shell.openPath(result.output);
      if (problem !== '') throw new Error(`${result.output}: ${problem} (is Wireshark installed and the default application for .pcap files?)`);
      return result;
    },
  };
}

app.enableSandbox();
app.whenReady().then(() => {
  hardenSessions();
  const engine = new EngineHost(startEngine(), (event, payload) => {
    for (const contents of windows) contents.send(ipcChannel.event(event), payload);
  });
  const routes = createRouter({ isOurWebContents: (sender) => windows.has(sender as WebContents), callEngine: (op, args) => engine.call(op, args), shell: shellOperations(engine) }, ipcChannel);
  for (const [channel, handler] of routes) ipcMain.handle(channel, handler);
  createWindow();
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow());
  app.on('will-quit', () => engine.stop());
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
