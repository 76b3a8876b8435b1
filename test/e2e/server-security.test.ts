/**
 * The browser-mode server refuses everyone but the page it served to the user who holds the
 * token: requests without or with a wrong token, from a foreign Origin, through a rebound DNS
 * name, WebSockets from other pages; binds other than loopback are refused at start. And the
 * API itself: arguments are checked, writes stay in the run's folder, a running analysis can be
 * cancelled.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { runCli } from '../helpers/cli.js';
import { startBrowserMode } from '../helpers/browser-mode.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('vmkscope-serve-');
let server: Awaited<ReturnType<typeof startBrowserMode>>;
let origin: string;

before(async () => {
  server = await startBrowserMode(dir);
  origin = `http://127.0.0.1:${server.port}`;
});
after(() => server.close());

interface Reply {
  status: number;
  body: string;
}

/** A raw request, so Host and Origin are exactly what a test says (fetch would fix them). */
function request(method: string, pathname: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: pathname, headers: { Host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const call = (operation: string, args: unknown[], headers: Record<string, string> = {}) =>
  request('POST', `/api/call/${operation}`, { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', Origin: origin, ...headers }, JSON.stringify({ args }));

test('the printed URL is on loopback with a long random token', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
});

test('a call with the token, from the page’s own origin, is answered', async () => {
  const r = await call('listAnalyses', []);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { value: [] });
});

test('no token, a wrong token or a token of the right length but wrong: 401', async () => {
  const noToken = await request('POST', '/api/call/listAnalyses', { 'Content-Type': 'application/json', Origin: origin }, '{"args":[]}');
  assert.equal(noToken.status, 401);
  assert.match(noToken.body, /missing or wrong token/);
  assert.equal((await call('listAnalyses', [], { Authorization: 'Bearer guess' })).status, 401);
  assert.equal((await call('listAnalyses', [], { Authorization: `Bearer ${'A'.repeat(server.token.length)}` })).status, 401);
  assert.equal((await request('GET', '/api/session', {})).status, 401);
  assert.equal((await request('GET', `/report?analysis=1&token=nope`, {})).status, 401);
});

test('a foreign Origin is refused even with the token (another web page driving the browser)', async () => {
  for (const foreign of ['https://evil.example', 'http://127.0.0.1:1', 'null', `http://localhost.evil.example:${server.port}`]) {
    const r = await call('listAnalyses', [], { Origin: foreign });
    assert.equal(r.status, 403, foreign);
    assert.match(r.body, /Origin/);
  }
});

test('a rebound DNS name (Host not this server) is refused, for pages and API alike', async () => {
  for (const host of [`evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, `attacker.127.0.0.1.nip.io:${server.port}`]) {
    assert.equal((await call('listAnalyses', [], { Host: host })).status, 421, host);
    assert.equal((await request('GET', '/', { Host: host })).status, 421, host);
  }
  assert.equal((await request('GET', '/', { Host: `localhost:${server.port}` })).status, 200);
});

test('the page is served with a CSP that allows only its own scripts', async () => {
  const r = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port: server.port, path: '/' }, resolve));
  r.resume();
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'; script-src 'self'; style-src 'self'/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal((await request('GET', '/../../etc/passwd', {})).status, 404);
  assert.equal((await request('GET', '/assets/%2e%2e/%2e%2e/%2e%2e/package.json', {})).status, 404);
});

async function wsRefusal(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  const ws = new WebSocket(url, { headers });
  const outcome = await Promise.race([once(ws, 'open').then(() => 'open' as const), once(ws, 'unexpected-response').then(([, res]) => (res as http.IncomingMessage).statusCode ?? 0)]);
  ws.terminate();
  return outcome;
}

test('events: the WebSocket needs the token and the page’s Origin', async () => {
  const url = (token: string) => `ws://127.0.0.1:${server.port}/api/events?token=${token}`;
  assert.equal(await wsRefusal(url(server.token), { Origin: origin }), 'open');
  assert.equal(await wsRefusal(url('wrong'), { Origin: origin }), 401);
  assert.equal(await wsRefusal(url(server.token), { Origin: 'https://evil.example' }), 403);
  assert.equal(await wsRefusal(url(server.token), {}), 403, 'no Origin: not a browser page');
});

test('arguments are checked before the engine sees them; unknown operations do not exist', async () => {
  const bad = await call('getAnalysis', ['1 OR 1=1']);
  assert.equal(bad.status, 400);
  assert.deepEqual(JSON.parse(bad.body).error.name, 'ArgumentError');
  assert.equal((await call('constructor', [])).status, 404);
  assert.equal((await call('__proto__', [])).status, 404);
  const notJson = await request('POST', '/api/call/listAnalyses', { Authorization: `Bearer ${server.token}`, 'Content-Type': 'text/plain', Origin: origin }, '{"args":[]}');
  assert.equal(notJson.status, 415);
});

test('uploads stay in the run folder whatever they are named; only files of this run can be downloaded', async () => {
  const up = await request('PUT', `/api/upload?name=${encodeURIComponent('../../../etc/cron.d/x')}`, { Authorization: `Bearer ${server.token}`, Origin: origin }, 'not a capture');
  assert.equal(up.status, 200, up.body);
  const { path: stored } = (JSON.parse(up.body) as { value: { path: string } }).value;
  const session = (JSON.parse((await request('GET', '/api/session', { Authorization: `Bearer ${server.token}` })).body) as { value: { outputDir: string } }).value;
  const runDir = path.dirname(session.outputDir);
  assert.ok(stored.startsWith(`${runDir}${path.sep}uploads${path.sep}`), stored);
  assert.equal(path.basename(stored), 'x');
  assert.equal(fs.readFileSync(stored, 'utf8'), 'not a capture');
  const auth = { Authorization: `Bearer ${server.token}` };
  assert.equal((await request('GET', `/api/download?path=${encodeURIComponent(stored)}`, auth)).body, 'not a capture');
  assert.equal((await request('GET', `/api/download?path=${encodeURIComponent('/etc/passwd')}`, auth)).status, 404);
  assert.equal((await request('GET', `/api/download?path=${encodeURIComponent(`${runDir}/../../etc/passwd`)}`, auth)).status, 404);
  const carve = await call('carve', [{ analysisId: 1, flowId: 'f1', output: '/tmp/elsewhere.pcap' }]);
  assert.equal(carve.status, 400);
  assert.match(carve.body, /output must be inside/);
  // The engine reads the upload and says what is wrong with it, as the CLI would.
  const analyzed = await call('analyze', [{ captures: [stored] }]);
  assert.equal(analyzed.status, 400, analyzed.body);
  assert.match(JSON.parse(analyzed.body).error.message, /x: .*(not a|capture|format)/i);
});

test('a running analysis is cancelled: its call ends as cancelled and nothing of it stays', { timeout: 60_000 }, async () => {
  // A named pipe nobody finishes writing: the analysis reads until it is stopped.
  const fifo = path.join(dir, 'endless.pcap');
  const made = await runCli(['generate', '--packets', '2000', '--format', 'pcap', '-o', path.join(dir, 'head.pcap')]);
  assert.equal(made.code, 0, made.stderr);
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [fifo]);
  const events = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`, { headers: { Origin: origin } });
  await once(events, 'open');
  const running = new Promise<number>((resolve) =>
    events.on('message', (m) => {
      const { event, payload } = JSON.parse(String(m)) as { event: string; payload: { analysisId: number; status?: string } };
      if (event === 'analysisChanged' && payload.status === 'running') resolve(payload.analysisId);
    }),
  );
  const analysis = call('analyze', [{ captures: [fifo] }]);
  const writer = fs.createWriteStream(fifo);
  // Cancelling closes the reading end under the writer: that EPIPE is the expected outcome.
  writer.on('error', () => undefined);
  writer.write(fs.readFileSync(path.join(dir, 'head.pcap')));
  const analysisId = await running;
  const cancelled = await call('cancelAnalysis', [analysisId]);
  assert.deepEqual(JSON.parse(cancelled.body), { value: true });
  const answer = await analysis;
  assert.equal(answer.status, 400);
  assert.equal(JSON.parse(answer.body).error.name, 'AnalysisCancelledError');
  writer.destroy();
  // (events.once would reject on the EPIPE the writer may still report while closing.)
  if (!writer.closed) await new Promise<void>((resolve) => writer.once('close', () => resolve()));
  events.close();
  // The analysis thread's descriptors outlive it unless it closes them: none may still hold the capture.
  const held = fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === fifo;
    } catch {
      return false;
    }
  });
  assert.deepEqual(held, [], 'no descriptor of the cancelled analysis is left open on its capture');
  const list = JSON.parse((await call('listAnalyses', [])).body) as { value: { id: number }[] };
  assert.ok(!list.value.some((a) => a.id === analysisId), 'the cancelled analysis is gone from the list');
  assert.deepEqual(JSON.parse((await call('cancelAnalysis', [analysisId])).body), { value: false });
});

test('serve refuses to listen anywhere but loopback', async () => {
  for (const host of ['0.0.0.0', '::', '192.0.2.10', 'example.com']) {
    const r = await runCli(['serve', '--host', host, '--db', path.join(dir, 'refused.db')]);
    assert.equal(r.code, 2, `${host}: ${r.stderr}`);
    assert.match(r.stderr, /loopback address only/);
  }
});
