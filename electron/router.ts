/**
 * The main process's IPC router: one handler per operation of APP_OPERATIONS and
 * SHELL_OPERATIONS, each refusing a message from an untrusted frame and checking the arguments
 * before anything runs. Plain functions over Electron's event shape, so tests need no Electron.
 */
import { APP_OPERATIONS, type AppOperation } from '../core/contract/app-api.js';
import { SHELL_OPERATIONS, type ShellApi, type ShellOperation } from '../core/contract/bridge.js';
import { validateArguments, validateShellArguments } from '../core/contract/validate.js';
import { isTrustedSender, type SenderFrame } from './security.js';

/** The part of Electron's IpcMainInvokeEvent the router reads. */
export interface InvokeEvent {
  senderFrame: SenderFrame | null;
  sender: unknown;
}

export class UntrustedSenderError extends Error {
  override readonly name = 'UntrustedSenderError';
}

export interface RouterDeps {
  /** The webContents of the app's windows (the only senders answered). */
  isOurWebContents(sender: unknown): boolean;
  /** Run an engine operation in the engine process. */
  callEngine(operation: AppOperation, args: unknown[]): Promise<unknown>;
  shell: ShellApi;
}

export type Handler = (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>;

/** Channel → handler for every engine and shell operation, to register with ipcMain.handle. */
export function createRouter(deps: RouterDeps, channel: { engine(op: AppOperation): string; shell(op: ShellOperation): string }): Map<string, Handler> {
  const guard = (event: InvokeEvent, what: string): void => {
    if (!isTrustedSender(event.senderFrame, deps.isOurWebContents(event.sender))) {
      throw new UntrustedSenderError(`${what}: refused a message from ${event.senderFrame?.url ?? 'an unknown frame'}`);
    }
  };
  const routes = new Map<string, Handler>();
  for (const operation of APP_OPERATIONS) {
    routes.set(channel.engine(operation), async (event, ...args) => {
      guard(event, operation);
      return deps.callEngine(operation, validateArguments(operation, args));
    });
  }
  for (const operation of SHELL_OPERATIONS) {
    routes.set(channel.shell(operation), async (event, ...args) => {
      guard(event, operation);
      const checked = validateShellArguments(operation, args);
      return (deps.shell[operation] as (...a: unknown[]) => Promise<unknown>)(...checked);
    });
  }
  return routes;
}
