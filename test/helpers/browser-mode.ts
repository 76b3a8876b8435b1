import fs from 'node:fs';
import path from 'node:path';
import { serve } from '../../native/server/serve-command.js';

/** The browser-mode server on a fresh database in `dir`, stopped when the test file ends. */
export async function startBrowserMode(dir: string): Promise<Awaited<ReturnType<typeof serve>>> {
  fs.mkdirSync(dir, { recursive: true });
  return serve({ db: path.join(dir, 'vmkscope.db'), port: 0, host: '127.0.0.1' });
}

/** Debian's Chromium, or null (the Playwright tests then skip with the reason). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((c) => fs.existsSync(c)) ?? null;
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
