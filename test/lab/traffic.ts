/**
 * Real TCP between lab namespaces. This file is both the runner (imported by the lab) and the
 * agent it starts inside a namespace (`ip netns exec <ns> node traffic.js serve|send <json>`).
 *
 * The client binds each connection to an explicit local address, as ESXi's netstack sends
 * migration traffic from the vmk chosen for the service, so the source vmk is deterministic.
 * The server acknowledges every 64 KiB received with the running total (a coarse version of
 * NFC's read-write-acknowledge), and the last acknowledgement tells the client that every byte
 * arrived: a transfer is verified end to end, not assumed.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from './netns.js';

export interface ServeSpec {
  listen: { ip: string; port: number }[];
  /** Exit after this many connections have closed. */
  connections: number;
  timeoutMs: number;
}

export interface ConnectionSpec {
  label: string;
  from: string;
  to: string;
  port: number;
  bytes: number;
  /**
   * Open before the others and stay open (after sending its bytes) until all of them have
   * closed: the NFC control channel of a UDT migration around its 8000 data streams.
   */
  hold?: boolean;
}

export interface SendSpec {
  connections: ConnectionSpec[];
  timeoutMs: number;
}

export interface ConnectionReport {
  label: string;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  sent: number;
  /** The server's last acknowledgement: bytes it received. */
  acked: number;
  /** Milliseconds since the epoch. */
  opened: number;
  closed: number;
}

export interface ServedConnection {
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  received: number;
}

const ACK_EVERY = 64 * 1024;
const CHUNK = 256 * 1024;
/** Opaque payload, as encrypted vMotion and compressed NFC data are. */
const PAYLOAD = randomBytes(CHUNK);

function ack(total: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(total));
  return b;
}

function serve(spec: ServeSpec): void {
  const served: ServedConnection[] = [];
  const servers: net.Server[] = [];
  const timer = setTimeout(() => {
    process.stderr.write(`timeout: ${served.length}/${spec.connections} connections done\n`);
    process.stdout.write(JSON.stringify(served) + '\n');
    process.exit(3);
  }, spec.timeoutMs);
  const onConnection = (socket: net.Socket): void => {
    // Addresses read now: a closed socket no longer has them.
    const ends = { localIp: socket.localAddress!, localPort: socket.localPort!, remoteIp: socket.remoteAddress!, remotePort: socket.remotePort! };
    let received = 0;
    let nextAck = ACK_EVERY;
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= nextAck) {
        socket.write(ack(received));
        nextAck = (Math.floor(received / ACK_EVERY) + 1) * ACK_EVERY;
      }
    });
    socket.on('end', () => {
      socket.end(ack(received));
    });
    socket.on('close', () => {
      served.push({ ...ends, received });
      if (served.length === spec.connections) {
        clearTimeout(timer);
        for (const s of servers) s.close();
        process.stdout.write(JSON.stringify(served) + '\n');
      }
    });
    socket.on('error', (e) => process.stderr.write(`server socket: ${e.message}\n`));
  };
  let listening = 0;
  for (const l of spec.listen) {
    const server = net.createServer(onConnection);
    servers.push(server);
    server.on('error', (e) => {
      process.stderr.write(`listen ${l.ip}:${l.port}: ${e.message}\n`);
      process.exit(2);
    });
    server.listen(l.port, l.ip, () => {
      if (++listening === spec.listen.length) process.stdout.write('ready\n');
    });
  }
}

function connect(c: ConnectionSpec, holdUntil: Promise<void> | null, onSent: () => void): Promise<ConnectionReport> {
  return new Promise((resolve, reject) => {
    const opened = Date.now();
    const socket = net.connect({ host: c.to, port: c.port, localAddress: c.from });
    let acked = 0;
    let localIp = c.from;
    let localPort = 0;
    let pending = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 8) {
        acked = Number(pending.readBigUInt64BE(0));
        pending = pending.subarray(8);
      }
    });
    socket.on('error', reject);
    socket.on('connect', () => {
      // Read now: a closed socket no longer has its addresses.
      localIp = socket.localAddress ?? c.from;
      localPort = socket.localPort ?? 0;
      let left = c.bytes;
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, CHUNK);
          left -= n;
          if (!socket.write(PAYLOAD.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        onSent();
        if (holdUntil === null) socket.end();
        else void holdUntil.then(() => socket.end());
      };
      pump();
    });
    socket.on('close', () =>
      resolve({
        label: c.label,
        localIp,
        localPort,
        remoteIp: c.to,
        remotePort: c.port,
        sent: c.bytes,
        acked,
        opened,
        closed: Date.now(),
      }),
    );
  });
}

async function send(spec: SendSpec): Promise<void> {
  const timer = setTimeout(() => {
    process.stderr.write('timeout\n');
    process.exit(3);
  }, spec.timeoutMs);
  const holders = spec.connections.filter((c) => c.hold === true);
  const others = spec.connections.filter((c) => c.hold !== true);
  let release = (): void => undefined;
  const othersDone = new Promise<void>((resolve) => (release = resolve));
  // Control channels first: they must be up (and have said their piece) before data flows.
  const sentOnce: Promise<void>[] = [];
  const held = holders.map((c) => {
    let sent = (): void => undefined;
    sentOnce.push(new Promise<void>((resolve) => (sent = resolve)));
    return connect(c, othersDone, sent);
  });
  await Promise.all(sentOnce);
  const reports = await Promise.all(others.map((c) => connect(c, null, () => undefined)));
  release();
  reports.push(...(await Promise.all(held)));
  clearTimeout(timer);
  process.stdout.write(JSON.stringify(reports) + '\n');
}

/** This file, compiled: what the runners start inside namespaces. */
const AGENT = fileURLToPath(import.meta.url);

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
}

export interface RunningServer {
  /** Resolves with what the server received once `connections` connections have closed. */
  done: Promise<ServedConnection[]>;
}

/** Start a server inside `node`'s namespace; resolves when it listens. */
export function startServer(lab: Lab, node: string, spec: ServeSpec): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = lab.spawn(node, process.execPath, [AGENT, 'serve', JSON.stringify(spec)]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let result: ServedConnection[] | null = null;
    let ready = false;
    const done = new Promise<ServedConnection[]>((resolveDone, rejectDone) => {
      child.on('exit', (code) => {
        if (code === 0 && result !== null) resolveDone(result);
        else {
          const e = new Error(`server in ${node} exited ${code}: ${stderr.trim()}`);
          if (!ready) reject(e);
          rejectDone(e);
        }
      });
    });
    // Nobody may await `done` when the start already failed.
    done.catch(() => undefined);
    // A server that never listens is killed (and reported by the exit handler above).
    const late = setTimeout(() => {
      if (!ready) child.kill('SIGKILL');
    }, spec.timeoutMs);
    child.on('exit', () => clearTimeout(late));
    lines(child.stdout!, (line) => {
      if (line === 'ready') {
        ready = true;
        resolve({ done });
      } else result = JSON.parse(line) as ServedConnection[];
    });
  });
}

/** Run the client inside `node`'s namespace until every connection has closed. */
export function runClient(lab: Lab, node: string, spec: SendSpec): Promise<ConnectionReport[]> {
  return new Promise((resolve, reject) => {
    const child = lab.spawn(node, process.execPath, [AGENT, 'send', JSON.stringify(spec)]);
    let stderr = '';
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as ConnectionReport[]);
      else reject(new Error(`client in ${node} exited ${code}: ${stderr.trim()}`));
    });
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === AGENT) {
  const [mode, json] = process.argv.slice(2);
  if (mode === 'serve') serve(JSON.parse(json) as ServeSpec);
  else if (mode === 'send')
    send(JSON.parse(json) as SendSpec).catch((e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    });
  else {
    process.stderr.write('usage: traffic.js serve|send <json>\n');
    process.exit(2);
  }
}
