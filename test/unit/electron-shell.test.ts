/**
 * The desktop shell's security settings and IPC router, without an Electron binary: the checks
 * are plain functions and the settings data. The bundled preload is run against a stand-in of
 * Electron's preload modules to see what it exposes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import { APP_EVENTS, APP_OPERATIONS } from '../../core/contract/app-api.js';
import { ipcChannel, SHELL_OPERATIONS, type ShellApi } from '../../core/contract/bridge.js';
import { createRouter, type InvokeEvent } from '../../electron/router.js';
import { appFileFor, CONTENT_SECURITY_POLICY, isNavigationAllowed, isPermissionGranted, isTrustedSender } from '../../electron/security.js';
import { electronExecutableIn, findElectron } from '../../native/electron-runtime.js';
import { repoPath } from '../helpers/paths.js';

// Every window's webPreferences, as main.ts opens them: test/security/electron-main.test.ts.
test('windows run under a CSP that allows no foreign code', () => {
  const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('connect-src'), ["'none'"]);
  assert.ok(!CONTENT_SECURITY_POLICY.includes('unsafe'), 'no unsafe-inline or unsafe-eval');
});

test('navigation and permissions are refused; only the app origin is trusted', () => {
  assert.equal(isNavigationAllowed('app://vmkscope/index.html#/analyses'), true);
  for (const url of ['https://example.com/', 'file:///etc/passwd', 'app://evil/index.html', 'app://user:pw@vmkscope/', 'http://127.0.0.1:8080/', 'javascript:alert(1)', 'not a url']) {
    assert.equal(isNavigationAllowed(url), false, url);
  }
  for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'openExternal']) assert.equal(isPermissionGranted(p), false, p);
  const top = { url: 'app://vmkscope/index.html', parent: null };
  assert.equal(isTrustedSender(top, true), true);
  assert.equal(isTrustedSender(top, false), false, 'a webContents that is not one of our windows');
  assert.equal(isTrustedSender({ url: 'app://vmkscope/index.html', parent: {} }, true), false, 'an iframe');
  assert.equal(isTrustedSender({ url: 'https://example.com/', parent: null }, true), false, 'a foreign page');
  assert.equal(isTrustedSender(null, true), false, 'a frame that is gone');
});

test('app:// serves files of the renderer folder only', () => {
  const join = path.posix.join;
  assert.equal(appFileFor('app://vmkscope/', '/r', join), '/r/index.html');
  assert.equal(appFileFor('app://vmkscope/assets/index-1.js', '/r', join), '/r/assets/index-1.js');
  // The URL parser resolves encoded dots itself: what is left still names a file inside /r.
  assert.equal(appFileFor('app://vmkscope/assets/%2e%2e/%2e%2e/etc/passwd', '/r', join), '/r/etc/passwd');
  assert.equal(appFileFor('app://vmkscope/assets/..%5c..%5csecret', '/r', join), null);
  assert.equal(appFileFor('app://other/index.html', '/r', join), null);
});

function routerWith(calls: unknown[][]) {
  const ours = { id: 1 };
  const shell = Object.fromEntries(SHELL_OPERATIONS.map((op) => [op, async (...args: unknown[]) => (calls.push([op, ...args]), null)])) as unknown as ShellApi;
  const routes = createRouter(
    {
      isOurWebContents: (s) => s === ours,
      callEngine: async (operation, args) => (calls.push([operation, ...args]), 'answer'),
      shell,
    },
    ipcChannel,
  );
  const event = (url: string, parent: unknown = null, sender: unknown = ours): InvokeEvent => ({ senderFrame: { url, parent }, sender });
  return { routes, event };
}

test('the router has one channel per operation and answers trusted, valid calls', async () => {
  const calls: unknown[][] = [];
  const { routes, event } = routerWith(calls);
  assert.deepEqual([...routes.keys()].sort(), [...APP_OPERATIONS.map(ipcChannel.engine), ...SHELL_OPERATIONS.map(ipcChannel.shell)].sort());
  const app = event('app://vmkscope/index.html');
  assert.equal(await routes.get(ipcChannel.engine('getFlow'))!(app, 4, 'f7'), 'answer');
  await routes.get(ipcChannel.shell('savePdf'))!(app, 4);
  assert.deepEqual(calls, [['getFlow', 4, 'f7'], ['savePdf', 4]]);
});

test('the router refuses untrusted senders and bad arguments before any handler runs', async () => {
  const calls: unknown[][] = [];
  const { routes, event } = routerWith(calls);
  const getAnalysis = routes.get(ipcChannel.engine('getAnalysis'))!;
  await assert.rejects(getAnalysis(event('https://evil.example/'), 1), { name: 'UntrustedSenderError' });
  await assert.rejects(getAnalysis(event('app://vmkscope/index.html', { url: 'app://vmkscope/' }), 1), { name: 'UntrustedSenderError' });
  await assert.rejects(getAnalysis(event('app://vmkscope/index.html', null, { id: 2 }), 1), { name: 'UntrustedSenderError' });
  await assert.rejects(getAnalysis(event('app://vmkscope/index.html'), '1; DROP TABLE'), { name: 'ArgumentError' });
  await assert.rejects(routes.get(ipcChannel.shell('openInWireshark'))!(event('app://vmkscope/index.html'), { analysisId: 1, output: '/etc/x' }), /unknown property/);
  assert.deepEqual(calls, []);
});

test('the bundled preload exposes one named function per operation and event, and nothing generic', () => {
  const bundle = repoPath('dist/electron/preload.cjs');
  assert.ok(fs.existsSync(bundle), `${bundle} is built by npm run build:ui (part of npm test)`);
  const invoked: unknown[][] = [];
  const subscribed: string[] = [];
  let exposed: { name: string; api: Record<string, Record<string, (...a: unknown[]) => unknown>> } | null = null;
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: never) => (exposed = { name, api }) },
    ipcRenderer: { invoke: (...a: unknown[]) => (invoked.push(a), Promise.resolve()), on: (channel: string) => subscribed.push(channel), removeListener: () => undefined },
    webUtils: { getPathForFile: () => '/picked/file.pcap' },
  };
  vm.runInNewContext(fs.readFileSync(bundle, 'utf8'), { require: (m: string) => (m === 'electron' ? electron : assert.fail(`the preload required ${m}`)) });
  assert.ok(exposed !== null);
  const { name, api } = exposed as { name: string; api: Record<string, Record<string, (...a: unknown[]) => unknown>> };
  assert.equal(name, 'vmkscope');
  assert.deepEqual(Object.keys(api).sort(), ['engine', 'events', 'shell']);
  assert.deepEqual(Object.keys(api.engine).sort(), [...APP_OPERATIONS].sort());
  assert.deepEqual(Object.keys(api.events).sort(), [...APP_EVENTS].sort());
  assert.deepEqual(Object.keys(api.shell).sort(), [...SHELL_OPERATIONS, 'pathForFile'].sort());
  void api.engine.getAnalysis(3);
  void api.shell.savePackets({ analysisId: 3, findingId: 'v1' });
  api.events.progress(() => undefined);
  assert.deepEqual(invoked, [
    ['vmkscope:engine:getAnalysis', 3],
    ['vmkscope:shell:savePackets', { analysisId: 3, findingId: 'v1' }],
  ]);
  assert.deepEqual(subscribed, ['vmkscope:event:progress']);
  assert.equal(api.shell.pathForFile({}), '/picked/file.pcap');
});

test('npm start finds Electron only where its runtime is, without downloading it', () => {
  const none = () => false;
  assert.match(JSON.stringify(findElectron('/repo', {}, (p) => p === '/repo/node_modules/electron')), /never downloaded/);
  assert.match(JSON.stringify(findElectron('/repo', {}, none)), /not installed/);
  const dist = '/opt/electron-45';
  assert.deepEqual(findElectron('/repo', { ELECTRON_OVERRIDE_DIST_PATH: dist }, (p) => p === electronExecutableIn(dist)), { binary: electronExecutableIn(dist) });
  assert.match(JSON.stringify(findElectron('/repo', { ELECTRON_OVERRIDE_DIST_PATH: dist }, none)), /holds no Electron executable/);
  assert.equal(electronExecutableIn('/d', 'win32'), path.join('/d', 'electron.exe'));
  assert.equal(electronExecutableIn('/d', 'darwin'), path.join('/d', 'Electron.app', 'Contents', 'MacOS', 'Electron'));
});
