/**
 * Runtime checks of every argument that crosses a process boundary, one schema per operation,
 * run by the browser-mode server, the Electron IPC router and the engine host before a handler
 * sees the value. The schemas are typed against AppApi, so an operation whose parameters change
 * without its schema does not compile. Unknown properties are refused, not ignored: a caller that
 * sends them has a different contract in mind.
 */
import type { AppApi, AppOperation } from './app-api.js';
import type { ShellApi, ShellOperation } from './bridge.js';
import type { CaptureSource, FlowSortKey } from './engine-api.js';
import { FLOW_CLASSES, type FindingStatus } from './report.js';

/** An argument that does not fit its operation: names the operation, the place and the rule. */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}

type Schema<T> = (value: unknown, at: string) => T;

/** A list naming every member of the union T, checked by the compiler. */
const everyOf =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : 'a member is missing')): L =>
    list;

export const FLOW_SORT_KEYS = everyOf<FlowSortKey>()(['bytes', 'packets', 'start', 'id', 'duration']);
export const FINDING_STATUSES = everyOf<FindingStatus>()(['fail', 'warn', 'pass', 'info']);

function fail(at: string, rule: string): never {
  throw new ArgumentError(`${at}: ${rule}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"` : typeof value;
}

const text =
  (maxLength: number, minLength = 1): Schema<string> =>
  (v, at) => {
    if (typeof v !== 'string') return fail(at, `expected text, got ${describe(v)}`);
    if (v.length < minLength) return fail(at, 'must not be empty');
    if (v.length > maxLength) return fail(at, `longer than ${maxLength} characters`);
    if (v.includes('\0')) return fail(at, 'contains a NUL character');
    return v;
  };

const integer =
  (min: number, max: number): Schema<number> =>
  (v, at) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return fail(at, `expected a whole number, got ${describe(v)}`);
    if (v < min || v > max) return fail(at, `must be between ${min} and ${max}`);
    return v;
  };

const finite: Schema<number> = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(at, `expected a number, got ${describe(v)}`));

const flag: Schema<boolean> = (v, at) => (typeof v === 'boolean' ? v : fail(at, `expected true or false, got ${describe(v)}`));

const oneOf =
  <const T extends string>(values: readonly T[]): Schema<T> =>
  (v, at) =>
    typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : fail(at, `expected one of ${values.join(', ')}, got ${describe(v)}`);

const list =
  <T>(item: Schema<T>, max: number, min = 0): Schema<T[]> =>
  (v, at) => {
    if (!Array.isArray(v)) return fail(at, `expected a list, got ${describe(v)}`);
    if (v.length < min) return fail(at, `needs at least ${min} item${min === 1 ? '' : 's'}`);
    if (v.length > max) return fail(at, `more than ${max} items`);
    return v.map((x, i) => item(x, `${at}[${i}]`));
  };

const optional =
  <T>(schema: Schema<T>): Schema<T | undefined> & { optional: true } =>
    Object.assign((v: unknown, at: string) => (v === undefined ? undefined : schema(v, at)), { optional: true as const });

type Shape = Record<string, Schema<unknown>>;
type Parsed<S extends Shape> = { [K in keyof S]: S[K] extends Schema<infer T> ? T : never };

const record =
  <S extends Shape>(shape: S): Schema<Parsed<S>> =>
  (v, at) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(at, `expected an object, got ${describe(v)}`);
    const source = v as Record<string, unknown>;
    for (const key of Object.keys(source)) if (!Object.hasOwn(shape, key)) fail(`${at}.${key}`, 'unknown property');
    const out: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(shape)) {
      const value = schema(source[key], `${at}.${key}`);
      if (value !== undefined) out[key] = value;
    }
    return out as Parsed<S>;
  };

type Tuple<S extends readonly Schema<unknown>[]> = { -readonly [K in keyof S]: S[K] extends Schema<infer T> ? T : never };

const args =
  <const S extends readonly Schema<unknown>[]>(...items: S): Schema<Tuple<S>> =>
  (v, at) => {
    if (!Array.isArray(v)) return fail(at, 'expected a list of arguments');
    const required = items.filter((s) => !('optional' in s)).length;
    if (v.length < required || v.length > items.length) return fail(at, `expected ${required === items.length ? items.length : `${required} to ${items.length}`} argument(s), got ${v.length}`);
    return items.map((schema, i) => schema(v[i], `${at} argument ${i + 1}`)) as Tuple<S>;
  };

/** A file path on the engine's machine. 4096 is Linux's PATH_MAX. */
const filePath = text(4096);
const analysisId = integer(1, Number.MAX_SAFE_INTEGER);
const flowId = text(32);
/** Pasted inventory text: whole ssh transcripts of several hosts stay far below this. */
const namedText = record({ name: text(256), text: text(16 * 1024 * 1024, 0) });

/** Seconds and the like: a finite number above zero (a week of seconds at most). */
const positive: Schema<number> = (v, at) => {
  const n = finite(v, at);
  return n > 0 && n <= 7 * 24 * 3600 ? n : fail(at, `must be above 0 and at most ${7 * 24 * 3600}`);
};

const direction: Schema<0 | 1 | 2> = (v, at) => integer(0, 2)(v, at) as 0 | 1 | 2;

const interfaceSource = record({ kind: oneOf(['interface'] as const), name: text(64), promiscuous: optional(flag) });
const sshSource = record({ kind: oneOf(['ssh'] as const), target: text(300), uplink: optional(text(32)), vmk: optional(text(32)), direction: optional(direction) });

/**
 * Live capture sources the app may start. `command` (any program) is left out on purpose: a
 * renderer able to name a program to run would be a shell for any script that got into it. The
 * engine checks the values themselves (interface and uplink names, the ssh target) before
 * anything runs.
 */
const captureSource: Schema<CaptureSource> = (v, at) => {
  const kind = typeof v === 'object' && v !== null ? (v as Record<string, unknown>).kind : undefined;
  if (kind === 'interface') return interfaceSource(v, at);
  if (kind === 'ssh') return sshSource(v, at);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? fail(`${at}.kind`, `expected one of interface, ssh, got ${describe(kind)}`) : fail(at, `expected an object, got ${describe(v)}`);
};

/** The arguments of every operation the transports carry, checked before the handler runs. */
export const OPERATION_ARGUMENTS: { [K in AppOperation]: Schema<Parameters<AppApi[K]>> } = {
  analyze: args(
    record({
      captures: list(filePath, 256, 1),
      hash: optional(flag),
      inventory: optional(list(filePath, 256)),
      inventoryText: optional(list(namedText, 64)),
      policy: optional(filePath),
      store: optional(flag),
    }),
  ),
  listAnalyses: args(),
  getAnalysis: args(analysisId),
  deleteAnalysis: args(analysisId),
  queryFlows: args(
    record({
      analysisId,
      class: optional(list(oneOf(FLOW_CLASSES), FLOW_CLASSES.length)),
      host: optional(text(256)),
      vmk: optional(text(64)),
      verdict: optional(list(oneOf([...FINDING_STATUSES, 'none'] as const), FINDING_STATUSES.length + 1)),
      ip: optional(text(64)),
      port: optional(integer(0, 65535)),
      sort: optional(oneOf(FLOW_SORT_KEYS)),
      descending: optional(flag),
      limit: optional(integer(1, 1000)),
      after: optional(text(1024)),
    }),
  ),
  getFlow: args(analysisId, flowId),
  trafficMatrix: args(analysisId),
  timeline: args(
    record({
      analysisId,
      points: integer(1, 10_000),
      groupBy: optional(oneOf(['class', 'vmkPair'] as const)),
      from: optional(finite),
      to: optional(finite),
    }),
  ),
  carve: args(
    record({
      analysisId,
      flowId: optional(flowId),
      findingId: optional(text(32)),
      output: filePath,
      capturePath: optional(filePath),
    }),
  ),
  exportReport: args(record({ analysisId, format: oneOf(['html', 'json', 'csv'] as const) })),
  importInventory: args(list(namedText, 64, 1)),
  openSample: args(),
  listInterfaces: args(),
  startCapture: args(
    record({
      source: captureSource,
      filter: optional(text(1024)),
      snaplen: optional(integer(1, 262144)),
      durationSeconds: optional(positive),
      packets: optional(integer(1, Number.MAX_SAFE_INTEGER)),
      save: optional(filePath),
      inventory: optional(list(filePath, 256)),
      inventoryText: optional(list(namedText, 64)),
      policy: optional(filePath),
      updateSeconds: optional(positive),
    }),
  ),
  stopCapture: args(analysisId),
  cancelAnalysis: args(analysisId),
};

/** The checked arguments of `operation`, or an ArgumentError naming what is wrong. */
export function validateArguments<K extends AppOperation>(operation: K, value: unknown): Parameters<AppApi[K]> {
  return OPERATION_ARGUMENTS[operation](value, operation) as Parameters<AppApi[K]>;
}

const packetSelection = record({ analysisId, flowId: optional(flowId), findingId: optional(text(32)) });

/** The arguments of the desktop shell's operations (the Electron main process checks them). */
export const SHELL_ARGUMENTS: { [K in ShellOperation]: Schema<Parameters<ShellApi[K]>> } = {
  saveExport: OPERATION_ARGUMENTS.exportReport,
  savePdf: args(analysisId),
  savePackets: args(packetSelection),
  openInWireshark: args(packetSelection),
};

export function validateShellArguments<K extends ShellOperation>(operation: K, value: unknown): Parameters<ShellApi[K]> {
  return SHELL_ARGUMENTS[operation](value, operation) as Parameters<ShellApi[K]>;
}
