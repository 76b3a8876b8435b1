/**
 * Browser mode: the renderer over HTTP and the engine's operations and events over HTTP and a
 * WebSocket, on a loopback address only, for headless jump hosts and for testing the UI in a
 * plain Chromium. Routes:
 *
 *   GET  /, /assets/...            the built renderer (public code, no token)
 *   POST /api/call/<operation>     {"args": [...]} → {"value": ...} or {"error": {name, message}}
 *   PUT  /api/upload?name=FILE     the body (a browser File) streamed into this run's folder → {"value": {"path"}}
 *   GET  /api/download?path=P      a file this run wrote (carved packets), as an attachment
 *   GET  /api/session              {"value": {"outputDir"}}: where this run may write
 *   GET  /report?analysis=N&token= the HTML report, to print to PDF from the browser
 *   WS   /api/events?token=        {"event", "payload"} for every engine event
 *
 * Every /api request carries the token (Authorization: Bearer, or ?token= where a browser cannot
 * set headers) and passes the Host and Origin checks of security.ts first.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { APP_EVENTS, isAppOperation, toWireError, type AppApi } from '../../core/contract/app-api.js';
import { UsageError } from '../../core/contract/errors.js';
import { ArgumentError, validateArguments } from '../../core/contract/validate.js';
import { USER_ERROR_NAMES } from '../host/dispatch.js';
import { allowedHosts, isLoopbackHost, refusal, type RequestFacts } from './security.js';

export interface ServerOptions {
  api: AppApi;
  /** The built renderer (index.html and assets/). */
  rendererDir: string;
  /** Uploads and carved packets of this run go here; it is removed on close. */
  workDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** A JSON call body: pasted inventories are the largest arguments, far below this. */
const MAX_CALL_BYTES = 64 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The app's policy: its own scripts and styles only, no frames, no plugins, no foreign fetches.
 * 'self' covers the WebSocket back to this server (CSP 3; an IPv6 literal cannot be named).
 */
const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The report is self-contained: inline styles and SVG, no script at all. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const bindHost = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(bindHost)) {
    throw new UsageError(`--host ${bindHost}: serve listens on a loopback address only (127.0.0.1, ::1, localhost); reach it from elsewhere through an SSH tunnel`);
  }
  const token = randomBytes(24).toString('base64url');
  const uploadsDir = path.join(options.workDir, 'uploads');
  const outputDir = path.join(options.workDir, 'output');
  fs.mkdirSync(uploadsDir, { recursive: true });
  fs.mkdirSync(outputDir, { recursive: true });
  let uploadCount = 0;
  let hosts = new Set<string>();
  let port = 0;

  const facts = (req: http.IncomingMessage, url: URL): RequestFacts => {
    const auth = req.headers.authorization;
    const bearer = auth !== undefined && auth.startsWith('Bearer ') ? auth.slice(7) : null;
    return { host: req.headers.host, origin: req.headers.origin, token: bearer ?? url.searchParams.get('token') };
  };

  /** Inside this run's folder (after resolving `..`): the only place the browser may have files written or read back. */
  const insideWorkDir = (file: string): boolean => {
    const rel = path.relative(options.workDir, path.resolve(file));
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };

  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  async function readJson(req: http.IncomingMessage): Promise<unknown> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'calls are JSON (Content-Type: application/json)');
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_CALL_BYTES) throw new HttpError(413, `a call is at most ${MAX_CALL_BYTES} bytes`);
      parts.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
  }

  async function call(operationName: string, req: http.IncomingMessage): Promise<unknown> {
    if (!isAppOperation(operationName)) throw new HttpError(404, `no operation "${operationName}"`);
    const body = (await readJson(req)) as { args?: unknown };
    const args = validateArguments(operationName, body?.args ?? []);
    if (operationName === 'carve') {
      const [request] = args as Parameters<AppApi['carve']>;
      if (!insideWorkDir(request.output)) throw new ArgumentError(`carve: output must be inside ${outputDir} (GET /api/session) in browser mode`);
    }
    return (options.api[operationName] as (...a: unknown[]) => Promise<unknown>).apply(options.api, args);
  }

  async function upload(url: URL, req: http.IncomingMessage): Promise<{ path: string }> {
    const name = url.searchParams.get('name');
    if (name === null || name === '') throw new HttpError(400, 'upload: ?name= is required');
    // Keep the user's file name recognisable (reports show it) but never let it name a folder.
    const safe = path.basename(name.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._ -]/g, '_').replace(/^\.{1,2}$/, '_').slice(0, 200) || 'upload';
    const dir = path.join(uploadsDir, String(++uploadCount));
    fs.mkdirSync(dir);
    const file = path.join(dir, safe);
    try {
      await pipeline(req, fs.createWriteStream(file, { flags: 'wx' }));
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new HttpError(400, `upload of ${name} did not complete: ${(err as Error).message}`);
    }
    return { path: file };
  }

  function serveStatic(pathname: string, res: http.ServerResponse): void {
    let rel: string;
    try {
      rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    } catch {
      // A malformed %-escape names no file (the folder itself: 404 below), not a 500 with a stack in the log.
      rel = '';
    }
    const file = path.resolve(options.rendererDir, rel);
    const inside = path.relative(options.rendererDir, file);
    if (inside.startsWith('..') || path.isAbsolute(inside) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    const headers: http.OutgoingHttpHeaders = {
      ...COMMON_HEADERS,
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': APP_CSP,
    };
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const isApi = url.pathname.startsWith('/api/') || url.pathname === '/report';
    const refused = refusal(facts(req, url), hosts, isApi ? token : null);
    if (refused !== null) {
      send(res, refused.status, { error: { name: 'Refused', message: refused.reason } });
      return;
    }
    if (!isApi) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not served here`);
      serveStatic(url.pathname, res);
      return;
    }
    const route = `${req.method} ${url.pathname.startsWith('/api/call/') ? '/api/call/' : url.pathname}`;
    switch (route) {
      case 'POST /api/call/':
        send(res, 200, { value: (await call(url.pathname.slice('/api/call/'.length), req)) ?? null });
        return;
      case 'PUT /api/upload':
        send(res, 200, { value: await upload(url, req) });
        return;
      case 'GET /api/session':
        send(res, 200, { value: { outputDir } });
        return;
      case 'GET /api/download': {
        const file = url.searchParams.get('path') ?? '';
        if (!insideWorkDir(file) || !fs.existsSync(file)) throw new HttpError(404, 'download: only files this run wrote can be read back');
        res.writeHead(200, {
          ...COMMON_HEADERS,
          'Content-Type': 'application/octet-stream',
          'Content-Disposition': `attachment; filename="${path.basename(file).replace(/"/g, '')}"`,
          'Content-Length': fs.statSync(file).size,
          'Cache-Control': 'no-store',
        });
        await pipeline(fs.createReadStream(file), res);
        return;
      }
      case 'GET /report': {
        const analysisId = Number(url.searchParams.get('analysis'));
        const exported = await options.api.exportReport(validateArguments('exportReport', [{ analysisId, format: 'html' }])[0]);
        res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': REPORT_CSP, 'Cache-Control': 'no-store' });
        res.end(exported.content as string);
        return;
      }
      default:
        throw new HttpError(404, `${req.method} ${url.pathname} is not a route`);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const wire = toWireError(err);
      const status = err instanceof HttpError ? err.status : USER_ERROR_NAMES.has(wire.name) ? 400 : 500;
      if (status === 500) process.stderr.write(`vmkscope serve: ${req.method} ${req.url?.split('?')[0]}: ${(err as Error)?.stack ?? wire.message}\n`);
      if (res.headersSent) res.destroy();
      else send(res, status, { error: wire });
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const clients = new Set<WebSocket>();
  const unsubscribe = APP_EVENTS.map((event) =>
    options.api.on(event, (payload) => {
      const message = JSON.stringify({ event, payload });
      for (const ws of clients) ws.send(message);
    }),
  );
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const refused = url.pathname === '/api/events' ? refusal(facts(req, url), hosts, token, true) : { status: 404, reason: 'not a WebSocket route' };
    if (refused !== null) {
      socket.end(`HTTP/1.1 ${refused.status} Refused\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refused.reason}\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      // The socket only carries events out; a client that talks back is not ours.
      ws.on('message', () => ws.close(1003, 'events only'));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(bindHost, port);
  const shownHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    close: async () => {
      for (const off of unsubscribe) off();
      for (const ws of clients) ws.terminate();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      fs.rmSync(options.workDir, { recursive: true, force: true });
    },
  };
}
