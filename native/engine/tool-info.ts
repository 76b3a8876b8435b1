import fs from 'node:fs';
import type { ToolInfo } from '../../core/contract/report.js';

/** Name and version from package.json, which sits two folders above dist/native/engine. */
export function toolInfo(): ToolInfo {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return { name: 'vmkscope', version: pkg.version };
}
