/**
 * The browser-mode server against hostile requests, beyond test/e2e/server-security.test.ts (which
 * proves the token, Origin, Host and bind checks on the ordinary cases): every spelling of a
 * foreign Host or Origin a rebinding page or a proxy could send, tokens that are almost right,
 * paths and upload names that try to leave their folders, malformed escapes. Nothing may be
 * answered that should not be, and nothing may make the server fail (a 500 and a stack in its log).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { isLoopbackHost } from '../../native/server/security.js';
import { startBrowserMode } from '../helpers/browser-mode.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('vmkscope-serve-hostile-');
let server: Awaited<ReturnType<typeof startBrowserMode>>;
let port: number;
const stderr: string[] = [];
const write = process.stderr.write.bind(process.stderr);

before(async () => {
  server = await startBrowserMode(dir);
  port = server.port;
  // The server logs a 500 with its stack to stderr: collect what it writes.
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    stderr.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
});
after(async () => {
  process.stderr.write = write;
  await server.close();
});

/** A raw request: Host, Origin and path exactly as given (no client fixes them up). */
function raw(method: string, target: string, headers: Record<string, string | undefined>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries({ Host: `127.0.0.1:${port}`, ...headers }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers: clean, setHost: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const listCall = (headers: Record<string, string | undefined>) =>
  raw('POST', '/api/call/listAnalyses', { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${port}`, ...headers }, '{"args":[]}');

test('Host: only this server’s loopback names and port, in any case; every other spelling is a rebinding attempt', async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) assert.equal((await listCall({ Host: host })).status, 200, host);
  // No Host at all: Node's parser itself answers 400 (HTTP/1.1 requires one).
  for (const host of [undefined, '']) assert.ok([400, 421].includes((await listCall({ Host: host })).status), `Host ${host}`);
  for (const host of [
    `127.0.0.1:${port}.`,
    `localhost.:${port}`,
    `127.0.0.1.:${port}`,
    `127.0.0.1`,
    `localhost`,
    `127.0.0.1:${port}@evil.example`,
    `evil.example#@127.0.0.1:${port}`,
    `127.0.0.2:${port}`,
    `[::1]:${port}`,
    `0x7f.0.0.1:${port}`,
    `2130706433:${port}`,
    `127.1:${port}`,
    `localhost:${port}, evil.example`,
    `vmkscope.localhost:${port}`,
  ]) {
    assert.equal((await listCall({ Host: host })).status, 421, `Host ${host}`);
  }
});

test('Origin: only this server’s own; look-alikes, other schemes and ports are refused even with the token', async () => {
  for (const origin of [
    `https://127.0.0.1:${port}`,
    `http://127.0.0.1:${port}/`,
    `http://127.0.0.1:${port}.evil.example`,
    `http://127.0.0.1:${port}@evil.example`,
    `http://evil.example/?http://127.0.0.1:${port}`,
    `file://`,
    `chrome-extension://abcdef`,
    `null`,
    `http://[::1]:${port}`,
    `http://127.0.0.1:${port + 1}`,
  ]) {
    assert.equal((await listCall({ Origin: origin })).status, 403, `Origin ${origin}`);
  }
});

test('tokens that are almost right are wrong: cut, extended, other case, in the wrong header', async () => {
  const t = server.token;
  for (const auth of [`Bearer ${t.slice(0, -1)}`, `Bearer ${t}x`, `Bearer ${t.toUpperCase()}`, `bearer ${t}`, `Basic ${t}`, `Bearer  ${t}`, t, '']) {
    assert.equal((await listCall({ Authorization: auth })).status, 401, auth);
  }
  assert.equal((await raw('GET', `/api/session?token=${encodeURIComponent(`${t}\0`)}`, {})).status, 401);
  assert.equal((await raw('GET', '/api/session', { Cookie: `token=${t}` })).status, 401, 'a cookie is not a token');
});

test('paths that try to leave the renderer folder, and malformed escapes, are 404 (never a file outside, never a 500)', async () => {
  for (const target of ['/%E0%A4%A', '/%', '/assets/%ZZ', '/..%2f..%2fpackage.json', '/assets/..%5c..%5cpackage.json', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '//etc/passwd', '/.%2e/.%2e/etc/passwd', '/index.html%00.png', '/assets/']) {
    const r = await raw('GET', target, {});
    assert.equal(r.status, 404, target);
    assert.doesNotMatch(r.body, /root:|"name": "vmkscope"/);
  }
});

test('upload names never name a folder: dots, slashes, NUL and very long names stay one file in a fresh folder', async () => {
  const auth = { Authorization: `Bearer ${server.token}`, Origin: `http://127.0.0.1:${port}` };
  for (const name of ['..', '.', '../..', '..\\..\\evil', '%00', 'a\0b', '/etc/passwd', 'x'.repeat(5000), 'report.pcap']) {
    const r = await raw('PUT', `/api/upload?name=${encodeURIComponent(name)}`, auth, 'bytes');
    assert.equal(r.status, 200, `${name}: ${r.body}`);
    const stored = (JSON.parse(r.body) as { value: { path: string } }).value.path;
    assert.match(stored, /\/uploads\/\d+\/[A-Za-z0-9._ -]{1,200}$/, name);
    assert.doesNotMatch(stored.split('/').pop()!, /^\.{1,2}$/, name);
  }
});

test('nothing above made the server fail', () => {
  assert.deepEqual(stderr.filter((l) => l.startsWith('vmkscope serve:')), []);
});

test('serve refuses every non-loopback spelling of a bind address', async () => {
  for (const host of ['127.0.0.1', '127.8.9.10', '::1', 'localhost']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '[::1]', '::ffff:127.0.0.1', '127.0.0.1.nip.io', 'localhost.', 'LOCALHOST.evil', '0', '0x7f000001', '2130706433', '127.1', '10.0.0.1', '']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
  // The check the CLI runs before anything listens (the e2e suite runs the others through the CLI).
  const r = await runCli(['serve', '--host', '::ffff:127.0.0.1', '--db', `${dir}/refused.db`]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /loopback address only/);
});
