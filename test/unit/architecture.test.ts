/**
 * The import arrows of ARCHITECTURE.md are enforced by ESLint; this proves the rules fire (a
 * forbidden import in each folder is an error) and that allowed imports pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../helpers/paths.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function restricted(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: `${REPO_ROOT}/${file}` });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('core/ may not import Node built-ins, native modules or other folders', async () => {
  assert.equal((await restricted('core/probe.ts', "import fs from 'node:fs';\nexport const x = fs;\n")).length, 1);
  assert.equal((await restricted('core/probe.ts', "import { createHash } from 'crypto';\nexport const x = createHash;\n")).length, 1);
  assert.equal((await restricted('core/probe.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n")).length, 1);
  assert.equal((await restricted('core/flow/probe.ts', "import { readCapture } from '../../native/sources/capture-reader.js';\nexport const x = readCapture;\n")).length, 1);
  assert.deepEqual(await restricted('core/flow/probe.ts', "import { ipv4At } from '../net/address.js';\nexport const x = ipv4At;\n"), []);
});

test('native/ may not import electron or the renderer', async () => {
  assert.equal((await restricted('native/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).length, 1);
  assert.equal((await restricted('native/probe.ts', "import { x } from '../renderer/main.js';\nexport const y = x;\n")).length, 1);
  assert.deepEqual(await restricted('native/probe.ts', "import fs from 'node:fs';\nimport { CaptureAnalysis } from '../core/flow/capture-analysis.js';\nexport const x = [fs, CaptureAnalysis];\n"), []);
});

test('renderer/ and electron/ may import only the core/ contract', async () => {
  assert.equal((await restricted('renderer/probe.ts', "import fs from 'node:fs';\nexport const x = fs;\n")).length, 1);
  assert.equal((await restricted('renderer/probe.ts', "import { FlowStore } from '../core/flow/flow-store.js';\nexport const x = FlowStore;\n")).length, 1);
  assert.equal((await restricted('renderer/src/views/Probe.tsx', "import { Engine } from '../../../native/engine/engine.js';\nexport const x = Engine;\n")).length, 1);
  assert.equal((await restricted('renderer/src/views/Probe.tsx', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).length, 1);
  assert.deepEqual(await restricted('renderer/probe.ts', "import type { EngineApi } from '../core/contract/engine-api.js';\nexport type X = EngineApi;\n"), []);
  assert.equal((await restricted('electron/probe.ts', "import { analyzeCaptures } from '../native/engine/analyze.js';\nexport const x = analyzeCaptures;\n")).length, 1);
  assert.equal((await restricted('electron/probe.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n")).length, 1);
});
