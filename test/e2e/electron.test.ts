/**
 * The desktop app itself, through Playwright's Electron driver: the hardened window opens the
 * bundled sample, the page has the bridge and no Node, navigation and new windows are refused.
 * Runs only where ELECTRON_OVERRIDE_DIST_PATH names an Electron build (CI here cannot download
 * one); skipped with that reason otherwise. better-sqlite3 must match the engine's runtime: the
 * engine runs on this Node (VMKSCOPE_ENGINE_NODE), as `npm start` does.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { _electron as electron } from 'playwright-core';
import { findElectron } from '../../native/electron-runtime.js';
import { REPO_ROOT, repoPath } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

const runtime = process.env.ELECTRON_OVERRIDE_DIST_PATH ? findElectron(REPO_ROOT) : { missing: 'ELECTRON_OVERRIDE_DIST_PATH is not set (no Electron build here: its download needs network access)' };
const SKIP = 'missing' in runtime ? runtime.missing : false;
if (SKIP) console.log(`# skipping the Electron end-to-end tests: ${SKIP}`);

test('the desktop app opens the sample in a hardened window', { skip: SKIP, timeout: 240_000 }, async () => {
  const dir = tempDir('vmkscope-electron-');
  const app = await electron.launch({
    executablePath: (runtime as { binary: string }).binary,
    args: [repoPath('dist/electron/main.js')],
    env: { ...process.env, VMKSCOPE_DB: path.join(dir, 'vmkscope.db'), VMKSCOPE_ENGINE_NODE: process.execPath },
  });
  try {
    const page = await app.firstWindow();
    assert.match(page.url(), /^app:\/\/vmkscope\//);
    await page.waitForSelector('[role=tab][aria-selected=true]:text-is("Overview")', { timeout: 200_000 });
    await page.screenshot({ path: repoPath('dist/test-artifacts/electron-overview.png') });
    const env = await page.evaluate(() => ({
      bridge: Object.keys((window as unknown as { vmkscope: Record<string, object> }).vmkscope.engine).length,
      node: typeof (globalThis as { process?: unknown }).process,
      require: typeof (globalThis as { require?: unknown }).require,
      opened: window.open('https://example.com') === null,
    }));
    assert.deepEqual(env, { bridge: 13, node: 'undefined', require: 'undefined', opened: true });
    await page.evaluate(() => void (location.href = 'https://example.com/'));
    await page.waitForTimeout(500);
    assert.match(page.url(), /^app:\/\/vmkscope\//, 'navigation away is refused');
  } finally {
    await app.close();
  }
});
