/**
 * Who may talk to the browser-mode server: a page it served itself, in a browser of the user who
 * has the token it printed. Each check is a plain function so the tests can prove it refuses.
 *
 * - Loopback binds only: another machine never reaches the captures.
 * - The per-run token: another local user (or a process of theirs) cannot call the API, because
 *   the URL with the token was printed only to the terminal of the user who started `serve`.
 * - Host: a page on evil.example whose name a DNS-rebinding attack points at 127.0.0.1 sends
 *   `Host: evil.example:PORT`; only the loopback names of this port are accepted.
 * - Origin: a page of another origin (any web site, another local server) may make the browser
 *   send requests, but the browser names the page's origin; only this server's own is accepted.
 */
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1, or the name localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** The Host header values that name this server: its loopback names, with its port. */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = new Set([bindHost.includes(':') ? `[${bindHost}]` : bindHost, 'localhost']);
  if (bindHost === 'localhost') names.add('127.0.0.1').add('[::1]');
  return new Set([...names].map((n) => `${n}:${port}`));
}

export interface RequestFacts {
  host: string | undefined;
  origin: string | undefined;
  /** The token the request carried (Authorization: Bearer, or ?token= where a browser cannot set headers). */
  token: string | null;
}

export type Refusal = { status: 403 | 401 | 421; reason: string } | null;

export function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Why a request must be refused, or null. `requireOrigin` for WebSocket upgrades: browsers always
 * send Origin there, and a WebSocket is not bound by the same-origin policy, so an absent Origin
 * means a non-browser client, which must not get events by guessing nothing.
 */
export function refusal(facts: RequestFacts, hosts: Set<string>, token: string | null, requireOrigin = false): Refusal {
  if (facts.host === undefined || !hosts.has(facts.host.toLowerCase())) {
    return { status: 421, reason: `Host "${facts.host ?? ''}" is not this server (DNS rebinding is refused)` };
  }
  if (facts.origin !== undefined ? !hosts.has(originHost(facts.origin)) : requireOrigin) {
    return { status: 403, reason: `Origin "${facts.origin ?? ''}" is not this server's` };
  }
  if (token !== null && !tokenMatches(facts.token, token)) {
    return { status: 401, reason: 'missing or wrong token: open the URL vmkscope serve printed' };
  }
  return null;
}

/** host:port of an http origin, or '' for anything else (https, null, file, extensions). */
function originHost(origin: string): string {
  const m = /^http:\/\/([^/]+)$/i.exec(origin);
  return m === null ? '' : m[1].toLowerCase();
}
