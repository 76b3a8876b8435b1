/**
 * `vmkscope inventory import` as scripts use it: YAML on stdout or in -o FILE and exit 0;
 * `file:line:` messages and exit 2 on problems, never a stack trace; warnings on stderr.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';
import { SAMPLES } from './helpers.js';

const sample = (name: string): string => path.join(SAMPLES, name);
const golden = (name: string): string => fs.readFileSync(repoPath('test/inventory/golden', `${name}.yaml`), 'utf8');

function noStackTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `stack trace on stderr:\n${stderr}`);
}

test('import writes canonical YAML to stdout and exits 0', async () => {
  const r = await runCli(['inventory', 'import', sample('esx01-session.txt')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, golden('esx01-session'));
  assert.equal(r.stderr, '');
});

test('several files merge; -o writes the file; warnings go to stderr as file:line', async () => {
  const out = path.join(tempDir(), 'inventory.yaml');
  const files = ['esx01.interfaces.txt', 'esx01.ipv4.txt', 'esx01.tags.txt'].map(sample);
  const r = await runCli(['inventory', 'import', ...files, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(fs.readFileSync(out, 'utf8'), golden('esx01-separate-files'));
  assert.ok(r.stderr.includes(`vmkscope: warning: ${files[0]}:1: no host name in the input`), r.stderr);
  assert.ok(r.stderr.includes(`vmkscope: warning: ${files[0]}:77: esx01 vmk4: no IP address in the input; vmk left out\n`), r.stderr);
});

test('standard input: canonical YAML is read back as is; host output needs a host name', async () => {
  const yaml = golden('canonical-yaml');
  const r = await runCli(['inventory', 'import', '-'], { input: Buffer.from(yaml) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, yaml);
  const ipv4 = await runCli(['inventory', 'import', '-'], { input: fs.readFileSync(sample('esx01.ipv4.txt')) });
  assert.equal(ipv4.code, 2);
  assert.match(ipv4.stderr, /^vmkscope: error: -:3: no host name in the input/);
});

test('problems exit 2 with file:line: messages, nothing on stdout, no stack trace', async () => {
  const file = sample('broken/bad-values.yaml');
  const r = await runCli(['inventory', 'import', sample('canonical.json'), file]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 9, r.stderr);
  assert.equal(lines[0], `vmkscope: error: ${file}:6: host esx01.example.net vmk0: ip 198.18.10.300/24 is not an IPv4 or IPv6 address with a prefix length`);
  for (const line of lines) assert.match(line, new RegExp(`^vmkscope: error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: `));
  noStackTrace(r.stderr);
});

test('unreadable files and wrong usage exit 2', async () => {
  const missing = await runCli(['inventory', 'import', sample('no-such-file.txt')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^vmkscope: error: .*no-such-file\.txt: cannot read: no such file\n/);
  noStackTrace(missing.stderr);
  for (const args of [['inventory'], ['inventory', 'export', 'x'], ['inventory', 'import'], ['inventory', 'import', '-', '-'], ['inventory', 'import', 'x', '--json', 'y']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^vmkscope: .*\nusage:\n/, args.join(' '));
    assert.match(r.stderr, /vmkscope inventory import <file>\.\.\. \[-o FILE\]/);
  }
});
