/**
 * The engine as a process of its own, driven by messages: Electron's main process starts it (a
 * utilityProcess in the packaged app, a Node child in development) so capture reading and SQLite
 * never run on the main thread. Usage: engine-process.js --db FILE.
 *
 * Messages in: HostRequest ({kind: 'call', id, operation, args}); out: HostMessage (a result or
 * an error per call id, and every engine event).
 */
import { APP_EVENTS, toWireError, type HostMessage, type HostRequest } from '../../core/contract/app-api.js';
import { AppEngine } from './app-engine.js';
import { dispatch } from './dispatch.js';

/** The side of Electron's MessagePortMain a utilityProcess child sees (not in Node's types). */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const send: (message: HostMessage) => void = parentPort ? (m) => parentPort.postMessage(m) : (m) => process.send!(m);
const onMessage = (listener: (data: unknown) => void): void => {
  if (parentPort) parentPort.on('message', (e) => listener(e.data));
  else process.on('message', listener);
};

const dbFlag = process.argv.indexOf('--db');
const database = dbFlag >= 0 ? process.argv[dbFlag + 1] : undefined;
if (database === undefined || database === '') {
  process.stderr.write('engine-process: --db FILE is required\n');
  process.exit(2);
}
if (parentPort === undefined && process.send === undefined) {
  process.stderr.write('engine-process: start me with an IPC channel (utilityProcess.fork or child_process.fork)\n');
  process.exit(2);
}

const api = new AppEngine(database);
for (const event of APP_EVENTS) api.on(event, (payload) => send({ kind: 'event', event, payload }));

function isCall(data: unknown): data is HostRequest {
  const m = data as HostRequest;
  return typeof m === 'object' && m !== null && m.kind === 'call' && Number.isSafeInteger(m.id) && Array.isArray(m.args);
}

onMessage((data) => {
  if (!isCall(data)) {
    process.stderr.write('engine-process: ignored a message that is not a call\n');
    return;
  }
  dispatch(api, data.operation, data.args).then(
    (value) => send({ kind: 'result', id: data.id, value }),
    (err: unknown) => send({ kind: 'error', id: data.id, error: toWireError(err) }),
  );
});

// The parent going away (a crash of the app) must not leave a reader holding the database.
process.on('disconnect', () => void api.close().finally(() => process.exit(0)));
