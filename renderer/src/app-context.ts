import { createContext, useContext } from 'react';
import type { FlowQuery } from '../../core/contract/engine-api.js';
import type { Host } from './client/desktop.js';

export const VIEWS = [
  { id: 'analyses', label: 'Analyses', needsAnalysis: false },
  { id: 'overview', label: 'Overview', needsAnalysis: true },
  { id: 'topology', label: 'Topology', needsAnalysis: true },
  { id: 'flows', label: 'Flows', needsAnalysis: true },
  { id: 'timeline', label: 'Timeline', needsAnalysis: true },
  { id: 'findings', label: 'Findings', needsAnalysis: true },
  { id: 'export', label: 'Export', needsAnalysis: true },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

/** Flow filters a view can hand to the Flows view (click-through from Topology or a finding). */
export type FlowFilter = Omit<FlowQuery, 'analysisId' | 'limit' | 'after'>;

export interface Route {
  view: ViewId;
  analysisId: number | null;
  flowFilter: FlowFilter;
  /** A finding to open (click-through from Overview). */
  findingId: string | null;
}

export interface AppContext {
  host: Host;
  route: Route;
  navigate(route: Partial<Route>): void;
  /** Say something to the user (a saved file, an error). */
  notify(message: string, kind?: 'info' | 'error'): void;
}

export const AppContextValue = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const ctx = useContext(AppContextValue);
  if (ctx === null) throw new Error('useApp outside the app');
  return ctx;
}

/** The route as the URL fragment (#/analysis/3/flows?class=vmotion), so Back and reload keep the place. */
export function routeToHash(route: Route): string {
  if (route.analysisId === null || route.view === 'analyses') return '#/analyses';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(route.flowFilter)) {
    if (v === undefined) continue;
    params.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  if (route.findingId !== null) params.set('finding', route.findingId);
  const q = params.toString();
  return `#/analysis/${route.analysisId}/${route.view}${q ? `?${q}` : ''}`;
}

export function hashToRoute(hash: string): Route {
  const m = /^#\/analysis\/(\d+)\/(\w+)(?:\?(.*))?$/.exec(hash);
  const view = VIEWS.find((v) => v.id === m?.[2]);
  if (m === null || view === undefined) return { view: 'analyses', analysisId: null, flowFilter: {}, findingId: null };
  const params = new URLSearchParams(m[3] ?? '');
  const list = (k: string) => params.get(k)?.split(',').filter(Boolean);
  const flowFilter: FlowFilter = {
    class: list('class') as FlowFilter['class'],
    host: params.get('host') ?? undefined,
    vmk: params.get('vmk') ?? undefined,
    verdict: list('verdict') as FlowFilter['verdict'],
    ip: params.get('ip') ?? undefined,
    port: params.has('port') ? Number(params.get('port')) : undefined,
    sort: (params.get('sort') as FlowFilter['sort']) ?? undefined,
    descending: params.has('descending') ? params.get('descending') === 'true' : undefined,
  };
  for (const k of Object.keys(flowFilter) as (keyof FlowFilter)[]) if (flowFilter[k] === undefined) delete flowFilter[k];
  return { view: view.id, analysisId: Number(m[1]), flowFilter, findingId: params.get('finding') };
}
