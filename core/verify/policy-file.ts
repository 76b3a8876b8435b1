/**
 * The policy file's reader, apart from the Policy itself so that what needs only the default
 * policy never loads the YAML parser (start-up time).
 */
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import type { InventoryProblem } from '../contract/inventory.js';
import { TOO_DEEP, isStackOverflow } from '../inventory/document.js';
import type { MigrationRecord } from '../contract/report.js';
import { DEFAULT_POLICY, type Policy } from './policy.js';

const KINDS = ['vmotion', 'cold', 'udt'] as const;

/** Read a policy file (YAML or JSON), collecting every problem with its line. */
export function parsePolicy(file: string, text: string): { policy: Policy; problems: InventoryProblem[] } {
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines });
  } catch (err) {
    if (isStackOverflow(err)) return { policy: { ...DEFAULT_POLICY, forbidGatewayCrossing: new Set(), source: file }, problems: [{ file, line: null, message: TOO_DEEP }] };
    throw err;
  }
  const problems: InventoryProblem[] = [];
  const at = (node: Node | null | undefined): number | null => (node?.range ? lines.linePos(node.range[0]).line : null);
  for (const e of doc.errors) problems.push({ file, line: e.linePos?.[0].line ?? null, message: e.message.split('\n')[0] });
  const policy: Policy = { forbidGatewayCrossing: new Set(), gateways: null, unknownEndpoints: 'warn', source: file };
  if (problems.length > 0) return { policy, problems };
  const root = doc.contents;
  if (root === null) return { policy, problems };
  if (!isMap(root)) return { policy, problems: [{ file, line: at(root), message: 'a policy is a mapping with keys gateway and unknownEndpoints' }] };
  for (const item of root.items) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    const value = item.value as Node | null;
    if (key === 'gateway') {
      if (!isMap(value)) {
        problems.push({ file, line: at(value), message: 'gateway must be a mapping with forbid and optionally gateways' });
        continue;
      }
      for (const g of value.items) {
        const gk = isScalar(g.key) ? String(g.key.value) : '';
        const gv = g.value as Node | null;
        // The text as written: 1e309 is a number to YAML (Infinity) but not what the user typed.
        const list = isSeq(gv) ? gv.items.map((n) => (isScalar(n) ? (n.source ?? String(n.value)) : '')) : null;
        if (list === null) problems.push({ file, line: at(gv), message: `gateway.${gk} must be a list` });
        else if (gk === 'forbid') {
          for (const k of list) {
            if ((KINDS as readonly string[]).includes(k)) policy.forbidGatewayCrossing.add(k as MigrationRecord['kind']);
            else problems.push({ file, line: at(gv), message: `gateway.forbid: "${k}" is not a migration kind (${KINDS.join(', ')})` });
          }
        } else if (gk === 'gateways') policy.gateways = list;
        else problems.push({ file, line: at(g.key as Node), message: `unknown key gateway.${gk} (expected forbid, gateways)` });
      }
    } else if (key === 'unknownEndpoints') {
      const v = isScalar(value) ? String(value.value) : '';
      if (v === 'warn' || v === 'fail') policy.unknownEndpoints = v;
      else problems.push({ file, line: at(value), message: 'unknownEndpoints must be warn or fail' });
    } else {
      problems.push({ file, line: at(item.key as Node), message: `unknown key "${key}" (expected gateway, unknownEndpoints)` });
    }
  }
  return { policy, problems };
}
