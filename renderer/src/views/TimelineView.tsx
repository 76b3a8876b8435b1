import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import type { AnalysisDetail, TimelineQuery, TimelineResult } from '../../../core/contract/engine-api.js';
import type { FlowClass } from '../../../core/contract/report.js';
import { useApp } from '../app-context.js';
import { CLASS_COLOURS } from '../components/classes.js';
import { formatRate, formatSeconds } from '../components/format.js';

/** Buckets asked for per series: about one per two pixels of a wide chart. */
const POINTS = 600;
const PAIR_COLOURS = ['#d9480f', '#1c7ed6', '#2b8a3e', '#7048e8', '#e67700', '#0b7285', '#a61e4d', '#5c940d', '#364fc7', '#862e9c'];

interface Range {
  from: number;
  to: number;
}

/**
 * Series on one time axis (uPlot wants aligned columns), in Mbit/s: buckets a series lacks are
 * empty. A closing point one bucket after the last gives the last step its width (a capture
 * shorter than a bucket is one step, not an invisible point).
 */
function aligned(result: TimelineResult): uPlot.AlignedData {
  const times = [...new Set(result.series.flatMap((s) => s.t))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = result.series.map((s) => {
    const col: (number | null)[] = new Array(times.length + 1).fill(null);
    s.t.forEach((t, i) => (col[index.get(t)!] = (s.bytesPerSecond[i] * 8) / 1e6));
    col[times.length] = col[times.length - 1];
    return col;
  });
  return [[...times, times[times.length - 1] + result.bucketSeconds], ...columns] as uPlot.AlignedData;
}

export function TimelineView({ detail }: { detail: AnalysisDetail }) {
  const { host, notify } = useApp();
  const [groupBy, setGroupBy] = useState<NonNullable<TimelineQuery['groupBy']>>('class');
  const [zoom, setZoom] = useState<Range[]>([]);
  const [result, setResult] = useState<TimelineResult | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const range = zoom[zoom.length - 1];

  useEffect(() => {
    let live = true;
    host.api.timeline({ analysisId: detail.id, points: POINTS, groupBy, from: range?.from, to: range?.to }).then(
      (r) => live && setResult(r),
      (err: Error) => notify(err.message, 'error'),
    );
    return () => {
      live = false;
    };
  }, [host, detail.id, groupBy, range, notify]);

  useEffect(() => {
    const el = box.current;
    if (el === null || result === null || result.series.length === 0) return;
    const css = getComputedStyle(document.documentElement);
    const ink = css.getPropertyValue('--ink').trim() || '#222';
    const grid = css.getPropertyValue('--rule').trim() || '#ddd';
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: el.clientWidth,
        height: 380,
        scales: { x: { time: true } },
        axes: [axis, { ...axis, label: 'Mbit/s', size: 70 }],
        cursor: { drag: { x: true, y: false, setScale: false } },
        series: [
          { label: 'time (UTC)' },
          ...result.series.map((s, i) => ({
            label: s.key,
            stroke: groupBy === 'class' ? (CLASS_COLOURS[s.key as FlowClass] ?? '#888') : PAIR_COLOURS[i % PAIR_COLOURS.length],
            width: 1.5,
            // Each value is a bucket's mean rate: steps, not a line between samples.
            paths: uPlot.paths.stepped!({ align: 1 }),
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatRate(v * 1e6)),
          })),
        ],
        hooks: {
          // Dragging across the chart zooms in: the engine re-buckets that span at a finer resolution.
          setSelect: [
            (u) => {
              if (u.select.width < 4) return;
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              setZoom((z) => [...z, { from, to }]);
            },
          ],
        },
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      },
      aligned(result),
      el,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 380 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [result, groupBy]);

  const span = result !== null && result.series.length > 0 ? Math.max(...result.series.map((s) => s.t[s.t.length - 1] ?? 0)) + result.bucketSeconds - Math.min(...result.series.map((s) => s.t[0] ?? 0)) : 0;
  const zoomAround = (factor: number) => {
    // Each series is in time order; reductions, not Math.min(...spread): a long capture has more buckets than call arguments fit.
    const series = result?.series.filter((s) => s.t.length > 0) ?? [];
    if (series.length === 0) return;
    const lo = range?.from ?? series.reduce((m, s) => Math.min(m, s.t[0]), Infinity);
    const hi = range?.to ?? series.reduce((m, s) => Math.max(m, s.t[s.t.length - 1]), -Infinity) + (result?.bucketSeconds ?? 0);
    const mid = (lo + hi) / 2;
    const half = ((hi - lo) * factor) / 2;
    setZoom((z) => [...z, { from: mid - half, to: mid + half }]);
  };

  return (
    <div className="timeline">
      <div className="toolbar" role="toolbar" aria-label="Timeline controls">
        <div role="radiogroup" aria-label="Series">
          {(['class', 'vmkPair'] as const).map((g) => (
            <label key={g}>
              <input type="radio" name="groupBy" checked={groupBy === g} onChange={() => setGroupBy(g)} /> per {g === 'class' ? 'class' : 'vmk pair'}
            </label>
          ))}
        </div>
        <button type="button" onClick={() => zoomAround(0.5)}>
          Zoom in
        </button>
        <button type="button" disabled={zoom.length === 0} onClick={() => setZoom((z) => z.slice(0, -1))}>
          Zoom out
        </button>
        <button type="button" disabled={zoom.length === 0} onClick={() => setZoom([])}>
          Reset zoom
        </button>
        <span className="muted" role="status">
          {result === null ? 'Loading…' : `${result.series.length} series, ${formatSeconds(result.bucketSeconds)} buckets over ${formatSeconds(span)}; drag across the chart to zoom`}
        </span>
      </div>
      {result !== null && result.series.length === 0 && <p>No traffic in this span.</p>}
      <div ref={box} className="chart" role="img" aria-label={`Throughput over time per ${groupBy === 'class' ? 'class' : 'vmk pair'}`} />
    </div>
  );
}
