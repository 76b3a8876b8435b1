import { APP_OPERATIONS, type AppApi, type AppEvent, type AppOperation } from '../../../core/contract/app-api.js';
import type { EngineEvents } from '../../../core/contract/engine-api.js';

export type Call = (operation: AppOperation, args: unknown[]) => Promise<unknown>;
export type Subscribe = <E extends AppEvent>(event: E, listener: (payload: EngineEvents[E]) => void) => () => void;

/**
 * The one object the views talk to: AppApi with each operation sent through `call` (the preload
 * bridge in Electron, HTTP in browser mode) and events from `subscribe`. Built from the operation
 * list, so an operation added to the contract reaches the renderer with no code here.
 */
export function engineClient(call: Call, subscribe: Subscribe): AppApi {
  const api: Record<string, unknown> = { on: subscribe };
  for (const operation of APP_OPERATIONS) api[operation] = (...args: unknown[]) => call(operation, args);
  return api as unknown as AppApi;
}
