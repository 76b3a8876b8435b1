import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { AnalysisDetail, FlowPage, FlowRow, FlowSortKey } from '../../../core/contract/engine-api.js';
import { FLOW_CLASSES, type FindingStatus, type FlowClass } from '../../../core/contract/report.js';
import { useApp, type FlowFilter } from '../app-context.js';
import { CLASS_COLOURS } from '../components/classes.js';
import { endpointLabel, formatBytes, formatCount, formatSeconds } from '../components/format.js';
import { FlowDetail } from './FlowDetail.js';

const ROW_H = 28;
const PAGE = 1000;
/** Rows rendered beyond the visible ones, so a fast scroll does not show blanks. */
const OVERSCAN = 12;

const COLUMNS: { key: string; label: string; sort?: FlowSortKey; className?: string }[] = [
  { key: 'id', label: 'Flow', sort: 'id' },
  { key: 'class', label: 'Class' },
  { key: 'client', label: 'Client' },
  { key: 'server', label: 'Server' },
  { key: 'packets', label: 'Packets', sort: 'packets', className: 'num' },
  { key: 'bytes', label: 'Bytes', sort: 'bytes', className: 'num' },
  { key: 'start', label: 'Start (UTC)', sort: 'start' },
  { key: 'duration', label: 'Duration', sort: 'duration', className: 'num' },
  { key: 'path', label: 'Path' },
  { key: 'verdict', label: 'Verdict' },
];

interface Loaded {
  rows: FlowRow[];
  next: string | null;
  total: number;
}

export function FlowsView({ detail }: { detail: AnalysisDetail }) {
  const { host, route, navigate, notify } = useApp();
  // The filter object is new on each navigation; what it says is what matters.
  const filterKey = JSON.stringify(route.flowFilter);
  const filter = useMemo(() => JSON.parse(filterKey) as FlowFilter, [filterKey]);
  const sort = filter.sort ?? 'bytes';
  const descending = filter.descending ?? (sort !== 'id' && sort !== 'start');
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const loading = useRef(false);
  const generation = useRef(0);
  const body = useRef<HTMLDivElement>(null);

  const setFilter = (next: FlowFilter) => navigate({ view: 'flows', analysisId: detail.id, flowFilter: next });
  const query = useCallback(
    (after: string | undefined): Promise<FlowPage> => host.api.queryFlows({ analysisId: detail.id, ...filter, sort, descending, limit: PAGE, after }),
    [host, detail.id, filter, sort, descending],
  );

  useEffect(() => {
    const g = ++generation.current;
    loading.current = true;
    setLoaded(null);
    setActive(0);
    body.current?.scrollTo({ top: 0 });
    query(undefined)
      .then((page) => g === generation.current && setLoaded({ rows: page.rows, next: page.next, total: page.total ?? page.rows.length }))
      .catch((err: Error) => notify(err.message, 'error'))
      .finally(() => {
        if (g === generation.current) loading.current = false;
      });
  }, [query, notify]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(loaded?.total ?? 0, Math.ceil((scrollTop + viewport) / ROW_H) + OVERSCAN);

  // Keyset paging: pages come in order, so load the next while the reader nears the end of what is loaded.
  useEffect(() => {
    if (loaded === null || loaded.next === null || loading.current || last + PAGE / 2 < loaded.rows.length) return;
    const g = generation.current;
    loading.current = true;
    query(loaded.next)
      .then((page) => {
        if (g !== generation.current) return;
        // Only the first page counts the matches.
        setLoaded((l) => (l === null ? l : { rows: [...l.rows, ...page.rows], next: page.next, total: l.total }));
      })
      .catch((err: Error) => notify(err.message, 'error'))
      .finally(() => {
        if (g === generation.current) loading.current = false;
      });
  }, [loaded, last, query, notify]);

  useEffect(() => {
    const el = body.current;
    if (el === null) return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const moveTo = (index: number) => {
    const total = loaded?.total ?? 0;
    if (total === 0) return;
    const i = Math.max(0, Math.min(total - 1, index));
    setActive(i);
    const el = body.current!;
    if (i * ROW_H < el.scrollTop) el.scrollTop = i * ROW_H;
    else if ((i + 1) * ROW_H > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * ROW_H - el.clientHeight;
  };
  const onKey = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(viewport / ROW_H) - 1);
    const moves: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, PageDown: active + page, PageUp: active - page, Home: 0, End: (loaded?.total ?? 1) - 1 };
    if (e.key in moves) {
      e.preventDefault();
      moveTo(moves[e.key]);
    } else if (e.key === 'Enter') {
      const row = loaded?.rows[active];
      if (row !== undefined) setOpen(row.id);
    }
  };

  const sortBy = (key: FlowSortKey) => setFilter({ ...filter, sort: key, descending: key === sort ? !descending : key !== 'id' && key !== 'start' });
  const hosts = detail.inventory?.hosts.map((h) => h.name) ?? [];
  const rows: (FlowRow | undefined)[] = [];
  for (let i = first; i < last; i++) rows.push(loaded?.rows[i]);

  return (
    <div className="flows">
      <FlowFilters filter={filter} hosts={hosts} onChange={setFilter} />
      <p role="status" className="muted" aria-label="Flow count">
        {loaded === null ? 'Loading flows…' : `${formatCount(loaded.total)} flow${loaded.total === 1 ? '' : 's'} match`}
      </p>
      <div className="flows-body">
        <div
          className="grid"
          role="grid"
          aria-label="Flows"
          aria-rowcount={(loaded?.total ?? 0) + 1}
          aria-colcount={COLUMNS.length}
          aria-activedescendant={loaded !== null && loaded.total > 0 ? `flow-row-${active}` : undefined}
          tabIndex={0}
          onKeyDown={onKey}
        >
          <div role="row" aria-rowindex={1} className="grid-row grid-head">
            {COLUMNS.map((c) => (
              <div key={c.key} role="columnheader" className={`cell cell-${c.key} ${c.className ?? ''}`} aria-sort={c.sort === sort ? (descending ? 'descending' : 'ascending') : c.sort ? 'none' : undefined}>
                {c.sort !== undefined ? (
                  <button type="button" tabIndex={-1} className="sort" onClick={() => sortBy(c.sort!)}>
                    {c.label} {c.sort === sort ? (descending ? '▼' : '▲') : ''}
                  </button>
                ) : (
                  c.label
                )}
              </div>
            ))}
          </div>
          <div className="grid-body" ref={body} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
            <div style={{ height: (loaded?.total ?? 0) * ROW_H, position: 'relative' }}>
              {rows.map((row, k) => {
                const i = first + k;
                return (
                  <div
                    key={i}
                    id={`flow-row-${i}`}
                    role="row"
                    aria-rowindex={i + 2}
                    aria-selected={i === active}
                    className={`grid-row${i === active ? ' active' : ''}${row?.verdict === 'fail' ? ' row-fail' : ''}`}
                    style={{ top: i * ROW_H }}
                    onClick={() => {
                      setActive(i);
                      if (row !== undefined) setOpen(row.id);
                    }}
                  >
                    {row === undefined ? <div role="gridcell" className="cell muted">…</div> : <FlowCells row={row} />}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
        {open !== null && <FlowDetail analysisId={detail.id} flowId={open} onClose={() => setOpen(null)} />}
      </div>
    </div>
  );
}

function FlowCells({ row }: { row: FlowRow }) {
  return (
    <>
      <div role="gridcell" className="cell cell-id">
        {row.id}
      </div>
      <div role="gridcell" className="cell cell-class">
        <span className="swatch" style={{ background: CLASS_COLOURS[row.class] }} /> {row.class}
      </div>
      <div role="gridcell" className="cell cell-client" title={row.client.ip}>
        {endpointLabel(row.client)}
      </div>
      <div role="gridcell" className="cell cell-server" title={row.server.ip}>
        {endpointLabel(row.server)}
      </div>
      <div role="gridcell" className="cell num">
        {formatCount(row.packets)}
      </div>
      <div role="gridcell" className="cell num">
        {formatBytes(row.bytes)}
      </div>
      <div role="gridcell" className="cell cell-start">
        {row.start.replace('T', ' ').replace(/Z$/, '')}
      </div>
      <div role="gridcell" className="cell num">
        {formatSeconds(row.durationSeconds)}
      </div>
      <div role="gridcell" className="cell">
        {row.routed === null ? '?' : row.routed ? `routed${row.gateway !== null ? ` via ${row.gateway}` : ''}` : 'L2'}
      </div>
      <div role="gridcell" className="cell">
        {row.verdict !== null ? <span className={`badge badge-${row.verdict}`}>{row.verdict}</span> : ''}
      </div>
    </>
  );
}

const VERDICT_FILTERS: (FindingStatus | 'none')[] = ['fail', 'warn', 'pass', 'info', 'none'];

function FlowFilters({ filter, hosts, onChange }: { filter: FlowFilter; hosts: string[]; onChange: (f: FlowFilter) => void }) {
  const [ip, setIp] = useState(filter.ip ?? '');
  const [port, setPort] = useState(filter.port?.toString() ?? '');
  const [vmk, setVmk] = useState(filter.vmk ?? '');
  useEffect(() => {
    setIp(filter.ip ?? '');
    setPort(filter.port?.toString() ?? '');
    setVmk(filter.vmk ?? '');
  }, [filter.ip, filter.port, filter.vmk]);
  const set = (patch: Partial<FlowFilter>) => {
    const next = { ...filter, ...patch };
    for (const k of Object.keys(next) as (keyof FlowFilter)[]) if (next[k] === undefined || next[k] === '') delete next[k];
    onChange(next);
  };
  const applyText = () => {
    const p = port.trim() === '' ? undefined : Number(port);
    set({ ip: ip.trim() || undefined, vmk: vmk.trim() || undefined, port: p !== undefined && Number.isInteger(p) && p >= 0 && p <= 65535 ? p : undefined });
  };
  return (
    <form
      className="filters"
      aria-label="Flow filters"
      onSubmit={(e) => {
        e.preventDefault();
        applyText();
      }}
    >
      <label>
        Class
        <select aria-label="Class" value={filter.class?.[0] ?? ''} onChange={(e) => set({ class: e.target.value === '' ? undefined : [e.target.value as FlowClass] })}>
          <option value="">any</option>
          {FLOW_CLASSES.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        Host
        <select aria-label="Host" value={filter.host ?? ''} onChange={(e) => set({ host: e.target.value || undefined })}>
          <option value="">any</option>
          {[...new Set([...hosts, ...(filter.host ? [filter.host] : [])])].map((h) => (
            <option key={h} value={h}>
              {h}
            </option>
          ))}
        </select>
      </label>
      <label>
        vmk
        <input aria-label="vmk" size={6} value={vmk} onChange={(e) => setVmk(e.target.value)} onBlur={applyText} placeholder="vmk1" />
      </label>
      <label>
        Verdict
        <select aria-label="Verdict" value={filter.verdict?.[0] ?? ''} onChange={(e) => set({ verdict: e.target.value === '' ? undefined : [e.target.value as FindingStatus | 'none'] })}>
          <option value="">any</option>
          {VERDICT_FILTERS.map((v) => (
            <option key={v} value={v}>
              {v === 'none' ? 'no finding' : v}
            </option>
          ))}
        </select>
      </label>
      <label>
        IP
        <input aria-label="IP address" size={16} value={ip} onChange={(e) => setIp(e.target.value)} onBlur={applyText} placeholder="198.18.20.11" />
      </label>
      <label>
        Port
        <input aria-label="Port" size={6} inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} onBlur={applyText} placeholder="8000" />
      </label>
      <button type="submit">Apply</button>
      <button type="button" onClick={() => onChange({})} disabled={Object.keys(filter).length === 0}>
        Clear filters
      </button>
    </form>
  );
}
