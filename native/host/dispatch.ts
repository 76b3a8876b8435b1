import { isAppOperation, type AppApi } from '../../core/contract/app-api.js';
import { ArgumentError, validateArguments } from '../../core/contract/validate.js';

/**
 * Run one operation named by a transport: the name must be one of APP_OPERATIONS and the
 * arguments must pass its schema before the handler sees them.
 */
export async function dispatch(api: AppApi, operation: unknown, args: unknown): Promise<unknown> {
  if (!isAppOperation(operation)) throw new ArgumentError(`unknown operation ${JSON.stringify(operation)}`);
  const checked = validateArguments(operation, args);
  return (api[operation] as (...a: unknown[]) => Promise<unknown>).apply(api, checked);
}

/** Errors that describe the user's input or request rather than a bug: answered as such, without a stack. */
export const USER_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ArgumentError',
  'UsageError',
  'CaptureInputError',
  'CaptureFormatError',
  'CaptureSourceError',
  'InventoryInputError',
  'StoreError',
  'AnalysisCancelledError',
]);
