/**
 * Electron's security checklist (electronjs.org/docs/latest/tutorial/security), item by item, on
 * the real main process: dist/electron/main.js runs against a recording stand-in for `electron`
 * (electron-stub.ts, wired in by a module loader hook), so what is checked is what main.ts
 * actually installs, not only the settings it imports. test/unit/electron-shell.test.ts checks the
 * settings and the router as data; SECURITY.md maps every item to its test.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'yaml';
import { APP_OPERATIONS } from '../../core/contract/app-api.js';
import { ipcChannel, SHELL_OPERATIONS } from '../../core/contract/bridge.js';
import { APP_URL, CONTENT_SECURITY_POLICY } from '../../electron/security.js';
import { repoPath } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { FakeContents, recorded, type FakeWindow } from './electron-stub.js';

const dir = tempDir('vmkscope-electron-');
let mainWindow: FakeWindow;

before(async () => {
  register('./electron-loader.js', import.meta.url);
  await import('../../electron/main.js');
  // app.whenReady() resolves at once in the stand-in; let its continuation run.
  await new Promise((resolve) => setImmediate(resolve));
  mainWindow = recorded.windows[0];
  assert.ok(mainWindow, 'main.ts opened a window');
});

const trusted = () => ({ senderFrame: { url: APP_URL, parent: null }, sender: mainWindow.webContents });

test('1 secure content only, 18 no file://: the window shows app://vmkscope/, a privileged secure scheme that cannot bypass the CSP', () => {
  assert.deepEqual(mainWindow.loaded, [APP_URL]);
  assert.deepEqual(recorded.privilegedSchemes, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
});

test('2 no Node, 3 context isolation, 4 sandbox, 6 web security, 8 no insecure content, 9 no experimental or 10 Blink features: on every window main.ts opens', () => {
  assert.equal(recorded.sandboxEnabled, true, 'app.enableSandbox() for every renderer');
  for (const w of recorded.windows) {
    const p = w.options.webPreferences ?? {};
    assert.equal(p.nodeIntegration, false);
    assert.equal(p.nodeIntegrationInWorker, false);
    assert.equal(p.nodeIntegrationInSubFrames, false);
    assert.equal(p.contextIsolation, true);
    assert.equal(p.sandbox, true);
    assert.equal(p.webSecurity, true);
    assert.equal(p.allowRunningInsecureContent, false);
    assert.equal(p.experimentalFeatures, false);
    assert.equal(p.enableBlinkFeatures, undefined);
    assert.equal(p.webviewTag, false);
  }
  assert.equal(mainWindow.options.webPreferences?.preload, repoPath('dist/electron/preload.cjs'));
});

test('5 every permission request and check from web content is refused', async () => {
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'hid', 'serial', 'usb', 'openExternal', 'fullscreen', 'pointerLock']) {
    const granted = await new Promise<boolean>((resolve) => recorded.permissionRequest!(mainWindow.webContents, permission, resolve));
    assert.equal(granted, false, permission);
    assert.equal(recorded.permissionCheck!(mainWindow.webContents, permission), false, permission);
  }
});

test('7 a Content-Security-Policy on every app:// response; the scheme serves the renderer folder only', async () => {
  const handler = recorded.protocolHandlers.get('app')!;
  const page = await handler(new Request(APP_URL));
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  for (const url of ['app://vmkscope/..%2f..%2fpackage.json', 'app://vmkscope/assets/..%5c..%5cpackage.json', 'app://vmkscope/%2e%2e/%2e%2e/package.json', 'app://evil/index.html', 'app://vmkscope/no-such-file.js']) {
    assert.equal((await handler(new Request(url))).status, 404, url);
  }
});

test('11, 12 no webviews: the tag is off and any attempt to attach one is refused', () => {
  const contents = new FakeContents();
  recorded.appListeners.get('web-contents-created')!.forEach((l) => (l as (e: unknown, c: FakeContents) => void)({}, contents));
  assert.equal(contents.emit('will-attach-webview', {}, {}), true);
});

test('13 navigation and redirects away from the app are refused; 14 new windows are denied', () => {
  const contents = new FakeContents();
  recorded.appListeners.get('web-contents-created')!.forEach((l) => (l as (e: unknown, c: FakeContents) => void)({}, contents));
  for (const url of ['https://evil.example/', 'file:///etc/passwd', 'http://127.0.0.1:8080/', 'app://evil/index.html', 'javascript:alert(1)', 'data:text/html,<script>1</script>']) {
    assert.equal(contents.emit('will-navigate', url), true, url);
    assert.equal(contents.emit('will-redirect', url), true, url);
  }
  assert.equal(contents.emit('will-navigate', `${APP_URL}#/flows`), false, 'the app’s own pages');
  for (const url of ['https://evil.example/', APP_URL]) assert.deepEqual(contents.windowOpenHandler!({ url }), { action: 'deny' });
});

test('15 shell.openExternal is never called; shell.openPath only opens pcaps main.ts carved into its own folder', async (t) => {
  const open = recorded.ipcHandlers.get(ipcChannel.shell('openInWireshark'))!;
  const carvedDir = path.join(os.tmpdir(), 'vmkscope-carved');
  // main.ts creates the folder; leave none behind that was not there before.
  if (!fs.existsSync(carvedDir)) t.after(() => fs.rmSync(carvedDir, { recursive: true, force: true }));
  for (const findingId of ['v1', '/../../../../../../etc/x', '..\\..\\evil', 'a/../../b']) {
    recorded.engineCalls.length = 0;
    recorded.shellCalls.length = 0;
    await (open as (...a: unknown[]) => Promise<unknown>)(trusted(), { analysisId: 1, findingId });
    const output = (recorded.engineCalls[0].args[0] as { output: string }).output;
    assert.equal(path.dirname(output), carvedDir, `${findingId} -> ${output}`);
    assert.deepEqual(recorded.shellCalls, [['openPath', output]]);
  }
  assert.ok(!recorded.shellCalls.some((c) => c[0] === 'openExternal'));
});

test('17 every IPC channel checks its sender and arguments before anything runs', async () => {
  assert.deepEqual([...recorded.ipcHandlers.keys()].sort(), [...APP_OPERATIONS.map(ipcChannel.engine), ...SHELL_OPERATIONS.map(ipcChannel.shell)].sort());
  const foreign = [
    { senderFrame: { url: 'https://evil.example/', parent: null }, sender: mainWindow.webContents },
    { senderFrame: { url: APP_URL, parent: {} }, sender: mainWindow.webContents },
    { senderFrame: { url: APP_URL, parent: null }, sender: new FakeContents() },
    { senderFrame: null, sender: mainWindow.webContents },
  ];
  recorded.engineCalls.length = 0;
  for (const [channel, handler] of recorded.ipcHandlers) {
    for (const event of foreign) await assert.rejects((handler as (...a: unknown[]) => Promise<unknown>)(event, 1), { name: 'UntrustedSenderError' }, channel);
  }
  await assert.rejects((recorded.ipcHandlers.get(ipcChannel.engine('getAnalysis')) as (...a: unknown[]) => Promise<unknown>)(trusted(), '1 OR 1=1'), { name: 'ArgumentError' });
  assert.deepEqual(recorded.engineCalls, [], 'no refused call reached the engine');
});

test('the report is printed to PDF in a window that runs no script, from a file removed afterwards', async () => {
  recorded.savePath = path.join(dir, 'report.pdf');
  const before = recorded.windows.length;
  await (recorded.ipcHandlers.get(ipcChannel.shell('savePdf')) as (...a: unknown[]) => Promise<unknown>)(trusted(), 1);
  recorded.savePath = null;
  const printer = recorded.windows[before];
  assert.equal(printer.options.show, false);
  assert.equal(printer.options.webPreferences?.javascript, false);
  assert.equal(printer.options.webPreferences?.sandbox, true);
  assert.equal(printer.destroyed, true);
  const html = printer.loaded[0].replace(/^file:\/\//, '');
  assert.equal(fs.existsSync(html), false, 'the HTML handed to the printer is gone');
  assert.equal(fs.readFileSync(path.join(dir, 'report.pdf'), 'utf8'), '%PDF-1.4');
});

test('19 fuses of the packaged app: no run-as-node, no NODE_OPTIONS or --inspect, asar only and integrity-checked, no file:// privileges', () => {
  const config = parse(fs.readFileSync(repoPath('build/electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean> };
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
  });
});
