import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { AnalysisDetail } from '../../core/contract/engine-api.js';
import { AppContextValue, hashToRoute, routeToHash, VIEWS, type AppContext, type Route, type ViewId } from './app-context.js';
import type { Host } from './client/desktop.js';
import { baseName } from './components/format.js';
import { AnalysesView } from './views/AnalysesView.js';
import { ExportView } from './views/ExportView.js';
import { FindingsView } from './views/FindingsView.js';
import { FlowsView } from './views/FlowsView.js';
import { OverviewView } from './views/OverviewView.js';
import { TimelineView } from './views/TimelineView.js';
import { TopologyView } from './views/TopologyView.js';

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('vmkscope-theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

interface Notice {
  id: number;
  kind: 'info' | 'error';
  message: string;
}

export function App({ host }: { host: Host }) {
  const [route, setRoute] = useState<Route>(() => hashToRoute(location.hash));
  const [detail, setDetail] = useState<AnalysisDetail | null>(null);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [opening, setOpening] = useState<string | null>(null);
  const noticeId = useRef(0);

  const notify = useCallback((message: string, kind: 'info' | 'error' = 'info') => {
    const id = ++noticeId.current;
    setNotices((n) => [...n.slice(-3), { id, kind, message }]);
    if (kind === 'info') setTimeout(() => setNotices((n) => n.filter((x) => x.id !== id)), 8000);
  }, []);

  const navigate = useCallback((next: Partial<Route>) => {
    setRoute((current) => {
      const merged: Route = { ...current, flowFilter: {}, findingId: null, ...next };
      const hash = routeToHash(merged);
      if (location.hash !== hash) history.pushState(null, '', hash);
      return merged;
    });
  }, []);

  useEffect(() => {
    const onPop = () => setRoute(hashToRoute(location.hash));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('vmkscope-theme', theme);
  }, [theme]);

  // First launch: nothing analysed yet, so open the bundled sample and show its verdicts.
  useEffect(() => {
    if (route.analysisId !== null) return;
    let live = true;
    host.api
      .listAnalyses()
      .then(async (list) => {
        if (list.length > 0 || !live) return;
        setOpening('Opening the bundled sample analysis (a generated ESXi cluster capture with its inventory)…');
        const analysisId = await host.api.openSample();
        if (live) navigate({ view: 'overview', analysisId });
      })
      .catch((err: Error) => notify(`Could not open the sample: ${err.message}`, 'error'))
      .finally(() => live && setOpening(null));
    return () => {
      live = false;
    };
  }, []); // once, at start

  const analysisId = route.analysisId;
  useEffect(() => {
    if (analysisId === null) {
      setDetail(null);
      return;
    }
    let live = true;
    const load = () =>
      host.api.getAnalysis(analysisId).then(
        (d) => live && setDetail(d),
        (err: Error) => live && notify(`Analysis ${analysisId}: ${err.message}`, 'error'),
      );
    void load();
    const off = host.api.on('analysisChanged', (e) => e.analysisId === analysisId && void load());
    return () => {
      live = false;
      off();
    };
  }, [analysisId, host, notify]);

  const ctx: AppContext = useMemo(() => ({ host, route, navigate, notify }), [host, route, navigate, notify]);
  const tabs = useRef<Map<ViewId, HTMLButtonElement>>(new Map());
  const available = VIEWS.filter((v) => !v.needsAnalysis || analysisId !== null);

  const selectView = (view: ViewId) => navigate({ view, analysisId });
  const onTabKey = (e: KeyboardEvent) => {
    const i = available.findIndex((v) => v.id === route.view);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    const target = e.key === 'Home' ? available[0] : e.key === 'End' ? available[available.length - 1] : step !== 0 ? available[(i + step + available.length) % available.length] : undefined;
    if (target === undefined) return;
    e.preventDefault();
    selectView(target.id);
    tabs.current.get(target.id)?.focus();
  };

  // Alt+1..7 switch views from anywhere.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const v = available[Number(e.key) - 1];
      if (v === undefined) return;
      e.preventDefault();
      navigate({ view: v.id, analysisId });
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [available, analysisId, navigate]);

  const ready = route.view === 'analyses' || (detail !== null && detail.id === analysisId);
  return (
    <AppContextValue.Provider value={ctx}>
      <header className="topbar">
        <h1 className="brand">vmkscope</h1>
        <span className="current" aria-label="Current analysis">
          {detail !== null && analysisId !== null ? `Analysis ${detail.id}: ${detail.inputs.map(baseName).join(', ')}` : 'No analysis open'}
        </span>
        <span className="mode">{host.mode === 'browser' ? 'browser mode' : ''}</span>
        <button type="button" className="theme" aria-pressed={theme === 'dark'} aria-label="Dark theme" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
          {theme === 'dark' ? '☾ Dark' : '☀ Light'}
        </button>
      </header>
      <nav className="tabs" role="tablist" aria-label="Views" onKeyDown={onTabKey}>
        {available.map((v, i) => (
          <button
            key={v.id}
            id={`tab-${v.id}`}
            ref={(el) => void (el ? tabs.current.set(v.id, el) : tabs.current.delete(v.id))}
            role="tab"
            type="button"
            aria-selected={route.view === v.id}
            aria-controls="view"
            aria-keyshortcuts={`Alt+${i + 1}`}
            tabIndex={route.view === v.id ? 0 : -1}
            onClick={() => selectView(v.id)}
          >
            {v.label}
          </button>
        ))}
      </nav>
      <main id="view" role="tabpanel" aria-labelledby={`tab-${route.view}`} className={`view view-${route.view}`}>
        {opening !== null && (
          <p role="status" className="opening">
            {opening}
          </p>
        )}
        {route.view === 'analyses' && <AnalysesView />}
        {route.view !== 'analyses' && !ready && <p role="status">Loading analysis {analysisId}…</p>}
        {ready && detail !== null && route.view === 'overview' && <OverviewView detail={detail} />}
        {ready && detail !== null && route.view === 'topology' && <TopologyView detail={detail} />}
        {ready && detail !== null && route.view === 'flows' && <FlowsView detail={detail} />}
        {ready && detail !== null && route.view === 'timeline' && <TimelineView detail={detail} />}
        {ready && detail !== null && route.view === 'findings' && <FindingsView detail={detail} />}
        {ready && detail !== null && route.view === 'export' && <ExportView detail={detail} />}
      </main>
      <div className="notices" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} role={n.kind === 'error' ? 'alert' : 'status'} className={`notice notice-${n.kind}`}>
            <span>{n.message}</span>
            <button type="button" aria-label="Dismiss" onClick={() => setNotices((all) => all.filter((x) => x.id !== n.id))}>
              ×
            </button>
          </div>
        ))}
      </div>
    </AppContextValue.Provider>
  );
}
