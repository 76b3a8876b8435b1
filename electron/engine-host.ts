/**
 * The engine process as the main process sees it: calls out, answers and events back. The
 * process itself is native/host/engine-process.js, started by path (electron/ imports nothing
 * from native/), so capture reading and SQLite never run on the main thread.
 */
import { RemoteError, type AppEvent, type AppOperation, type HostMessage, type HostRequest } from '../core/contract/app-api.js';

/** The two ways the process is started share this much: a message channel and an exit. */
export interface EngineChannel {
  send(message: HostRequest): void;
  onMessage(listener: (message: HostMessage) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export class EngineHost {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exited: string | null = null;

  constructor(
    private readonly channel: EngineChannel,
    private readonly onEvent: (event: AppEvent, payload: unknown) => void,
  ) {
    channel.onMessage((m) => {
      if (m.kind === 'event') {
        this.onEvent(m.event, m.payload);
        return;
      }
      const waiting = this.pending.get(m.id);
      if (waiting === undefined) return;
      this.pending.delete(m.id);
      if (m.kind === 'result') waiting.resolve(m.value);
      else waiting.reject(new RemoteError(m.error));
    });
    channel.onExit((code) => {
      this.exited = `the engine process stopped (exit code ${code})`;
      for (const w of this.pending.values()) w.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  call(operation: AppOperation, args: unknown[]): Promise<unknown> {
    if (this.exited !== null) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.channel.send({ kind: 'call', id, operation, args });
    });
  }

  stop(): void {
    this.channel.kill();
  }
}
