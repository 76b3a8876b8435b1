import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import type { AnalysisDetail, MatrixCell } from '../../../core/contract/engine-api.js';
import { useApp, type FlowFilter } from '../app-context.js';
import { CLASS_COLOURS } from '../components/classes.js';
import { formatBytes, formatCount, shortHost } from '../components/format.js';

const BOX_W = 170;
const BOX_GAP = 30;
const ROW_H = 22;
const HEAD_H = 28;
const BAND_H = 190;
const NODE_W = 150;

interface Anchor {
  x: number;
  y: number;
  /** Which way the line leaves: sideways from a vmk row, or up from a node below the hosts. */
  side: 'left' | 'right' | 'up';
}

interface Layout {
  width: number;
  height: number;
  /** Where lines between hosts dip, below the host boxes. */
  belowHosts: number;
  hosts: { name: string; x: number; y: number; h: number; vmks: { device: string; ip: string; services: string[]; y: number; used: boolean }[] }[];
  others: { key: string; label: string; x: number; y: number }[];
  gateway: { label: string; x: number; y: number } | null;
  anchor(host: string | null, vmk: string | null, ip: string, towardsX: number): Anchor;
  centre(host: string | null, vmk: string | null, ip: string): number;
}

function layout(detail: AnalysisDetail, cells: MatrixCell[]): Layout {
  // Hosts are what has vmks; vCenter and other named endpoints are drawn as plain nodes.
  const inventoryHosts = (detail.inventory?.hosts ?? []).filter((h) => h.vmks.length > 0);
  const isHost = (name: string | null, vmk: string | null) => name !== null && (vmk !== null || inventoryHosts.some((h) => h.name === name));
  const used = new Set(cells.flatMap((c) => [`${c.clientHost}/${c.clientVmk}`, `${c.serverHost}/${c.serverVmk}`]));
  const hostNames = [
    ...new Set([
      ...inventoryHosts.map((h) => h.name),
      ...cells.flatMap((c) => [isHost(c.clientHost, c.clientVmk) ? c.clientHost : null, isHost(c.serverHost, c.serverVmk) ? c.serverHost : null]).filter((h): h is string => h !== null),
    ]),
  ];
  const hosts = hostNames.map((name, i) => {
    const inv = inventoryHosts.find((h) => h.name === name);
    const vmkNames = inv?.vmks.map((v) => v.device) ?? [...new Set(cells.flatMap((c) => [c.clientHost === name ? c.clientVmk : null, c.serverHost === name ? c.serverVmk : null]).filter((v): v is string => v !== null))];
    const vmks = vmkNames.map((device, j) => {
      const v = inv?.vmks.find((x) => x.device === device);
      return { device, ip: v?.ip ?? '', services: v?.services ?? [], y: 20 + HEAD_H + j * ROW_H + ROW_H / 2, used: used.has(`${name}/${device}`) };
    });
    return { name, x: 20 + i * (BOX_W + BOX_GAP), y: 20, h: HEAD_H + vmks.length * ROW_H + 8, vmks };
  });
  const hostsBottom = Math.max(60, ...hosts.map((h) => h.y + h.h));
  const otherEnds = new Map<string, string>();
  for (const c of cells) {
    if (!isHost(c.clientHost, c.clientVmk)) otherEnds.set(c.clientIp, c.clientHost ?? c.clientIp);
    if (!isHost(c.serverHost, c.serverVmk)) otherEnds.set(c.serverIp, c.serverHost ?? c.serverIp);
  }
  const othersY = hostsBottom + BAND_H;
  const others = [...otherEnds].map(([ip, label], i) => ({ key: ip, label: shortHost(label), x: 20 + i * (NODE_W + 20), y: othersY }));
  const width = Math.max(hosts.length * (BOX_W + BOX_GAP), others.length * (NODE_W + 20)) + 40;
  const routed = cells.some((c) => c.routed === true);
  const gw = detail.inventory?.gateways[0];
  const gateway = routed || gw !== undefined ? { label: gw?.name ?? 'gateway', x: width / 2, y: hostsBottom + BAND_H / 2 } : null;
  const find = (host: string | null, vmk: string | null, ip: string) => {
    const h = isHost(host, vmk) ? hosts.find((x) => x.name === host) : undefined;
    return { h, v: h?.vmks.find((x) => x.device === vmk), o: others.find((x) => x.key === ip) };
  };
  return {
    width,
    height: othersY + 50,
    belowHosts: hostsBottom,
    hosts,
    others,
    gateway,
    anchor(host, vmk, ip, towardsX) {
      const { h, v, o } = find(host, vmk, ip);
      if (h !== undefined) {
        const right = towardsX > h.x + BOX_W / 2;
        return { x: right ? h.x + BOX_W - 4 : h.x + 4, y: v?.y ?? h.y + h.h / 2, side: right ? 'right' : 'left' };
      }
      return o !== undefined ? { x: o.x + NODE_W / 2, y: o.y, side: 'up' } : { x: width / 2, y: othersY, side: 'up' };
    },
    centre(host, vmk, ip) {
      const { h, o } = find(host, vmk, ip);
      return h !== undefined ? h.x + BOX_W / 2 : o !== undefined ? o.x + NODE_W / 2 : width / 2;
    },
  };
}

/** A curve that leaves each end the way its anchor faces and dips below the host boxes. */
function edgePath(a: Anchor, b: Anchor, via: { x: number; y: number } | null, below: number): string {
  const out = (p: Anchor, reach: number) => (p.side === 'right' ? { x: p.x + reach, y: p.y } : p.side === 'left' ? { x: p.x - reach, y: p.y } : { x: p.x, y: p.y - reach });
  if (via !== null) {
    const a1 = out(a, 40);
    const b1 = out(b, 40);
    return `M ${a.x} ${a.y} C ${a1.x} ${a1.y}, ${a1.x} ${via.y}, ${via.x} ${via.y} C ${b1.x} ${via.y}, ${b1.x} ${b1.y}, ${b.x} ${b.y}`;
  }
  const dip = below + 20 + Math.min(120, Math.abs(b.x - a.x) * 0.12);
  const a1 = out(a, 30);
  const b1 = out(b, 30);
  const ay = a.side === 'up' ? a1.y : Math.max(a.y, dip);
  const by = b.side === 'up' ? b1.y : Math.max(b.y, dip);
  return `M ${a.x} ${a.y} C ${a1.x} ${ay}, ${b1.x} ${by}, ${b.x} ${b.y}`;
}

function edgeLabel(c: MatrixCell): string {
  const end = (host: string | null, vmk: string | null, ip: string) => (host !== null ? `${host}${vmk !== null ? `/${vmk}` : ''}` : ip);
  return `${c.class} ${end(c.clientHost, c.clientVmk, c.clientIp)} → ${end(c.serverHost, c.serverVmk, c.serverIp)}, ${formatCount(c.flows)} flow(s), ${formatBytes(c.bytes)}${c.routed ? ', routed through the gateway' : ''}${c.verdict !== null ? `, verdict ${c.verdict}` : ''}`;
}

export function TopologyView({ detail }: { detail: AnalysisDetail }) {
  const { host, navigate, notify } = useApp();
  const [cells, setCells] = useState<MatrixCell[] | null>(null);
  const [focus, setFocus] = useState<number | null>(null);

  useEffect(() => {
    host.api.trafficMatrix(detail.id).then(setCells, (err: Error) => notify(err.message, 'error'));
  }, [host, detail.id, notify]);

  const view = useMemo(() => (cells === null ? null : layout(detail, cells)), [detail, cells]);
  if (cells === null || view === null) return <p role="status">Loading the traffic matrix…</p>;

  const maxBytes = Math.max(1, ...cells.map((c) => c.bytes));
  const toFlows = (filter: FlowFilter) => navigate({ view: 'flows', analysisId: detail.id, flowFilter: filter });
  const cellFilter = (c: MatrixCell): FlowFilter =>
    c.clientHost !== null && c.clientVmk !== null ? { class: [c.class], host: c.clientHost, vmk: c.clientVmk } : { class: [c.class], ip: c.clientIp };
  const activate = (e: KeyboardEvent, go: () => void) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      go();
    }
  };
  // Failing paths last, so they are drawn on top.
  const order = cells.map((c, i) => ({ c, i })).sort((a, b) => Number(a.c.verdict === 'fail') - Number(b.c.verdict === 'fail') || b.c.bytes - a.c.bytes);

  return (
    <div className="topology">
      <div className="legend" aria-label="Legend">
        {[...new Set(cells.map((c) => c.class))].map((k) => (
          <span key={k} className="legend-item">
            <span className="swatch" style={{ background: CLASS_COLOURS[k] }} /> {k}
          </span>
        ))}
        <span className="legend-item">
          <span className="swatch swatch-fail" /> failing path
        </span>
      </div>
      <div className="topology-canvas">
        <svg role="group" aria-label="Topology: hosts, vmks and observed flows" width={view.width} height={view.height} viewBox={`0 0 ${view.width} ${view.height}`}>
          {order.map(({ c, i }) => {
            const via = c.routed === true ? view.gateway : null;
            const a = view.anchor(c.clientHost, c.clientVmk, c.clientIp, via?.x ?? view.centre(c.serverHost, c.serverVmk, c.serverIp));
            const b = view.anchor(c.serverHost, c.serverVmk, c.serverIp, via?.x ?? view.centre(c.clientHost, c.clientVmk, c.clientIp));
            const width = 1.5 + 6 * (Math.log10(1 + c.bytes) / Math.log10(1 + maxBytes));
            const d = edgePath(a, b, via, view.belowHosts);
            return (
              <g
                key={i}
                role="button"
                tabIndex={0}
                aria-label={edgeLabel(c)}
                className={`edge edge-${c.verdict ?? 'none'}${focus === i ? ' edge-focus' : ''}`}
                onClick={() => toFlows(cellFilter(c))}
                onKeyDown={(e) => activate(e, () => toFlows(cellFilter(c)))}
                onMouseEnter={() => setFocus(i)}
                onMouseLeave={() => setFocus(null)}
                onFocus={() => setFocus(i)}
                onBlur={() => setFocus(null)}
              >
                <title>{edgeLabel(c)}</title>
                {c.verdict === 'fail' && <path d={d} className="edge-halo" strokeWidth={width + 6} fill="none" />}
                <path d={d} stroke={CLASS_COLOURS[c.class]} strokeWidth={width} fill="none" strokeDasharray={c.verdict === 'warn' ? '6 4' : undefined} />
              </g>
            );
          })}
          {view.hosts.map((h) => (
            <g key={h.name} className="host">
              <rect x={h.x} y={h.y} width={BOX_W} height={h.h} rx={6} className="host-box" />
              <text x={h.x + 8} y={h.y + 18} className="host-name">
                {shortHost(h.name)}
              </text>
              {h.vmks.map((v) => (
                <g
                  key={v.device}
                  role="button"
                  tabIndex={0}
                  aria-label={`${h.name} ${v.device} ${v.ip} ${v.services.join(', ')}: show its flows`}
                  className={`vmk${v.used ? '' : ' vmk-idle'}`}
                  onClick={() => toFlows({ host: h.name, vmk: v.device })}
                  onKeyDown={(e) => activate(e, () => toFlows({ host: h.name, vmk: v.device }))}
                >
                  <rect x={h.x + 4} y={v.y - ROW_H / 2 + 1} width={BOX_W - 8} height={ROW_H - 2} rx={3} className="vmk-row" />
                  <text x={h.x + 10} y={v.y + 4}>
                    {v.device} <tspan className="vmk-ip">{v.ip.split('/')[0]}</tspan> <tspan className="vmk-svc">{v.services.map(serviceShort).join(' ')}</tspan>
                  </text>
                </g>
              ))}
            </g>
          ))}
          {view.gateway !== null && (
            <g className="gateway" aria-label={`Gateway ${view.gateway.label}`} role="img">
              <rect x={view.gateway.x - 60} y={view.gateway.y - 14} width={120} height={28} rx={14} />
              <text x={view.gateway.x} y={view.gateway.y + 4} textAnchor="middle">
                ⇄ {view.gateway.label}
              </text>
            </g>
          )}
          {view.others.map((o) => (
            <g
              key={o.key}
              role="button"
              tabIndex={0}
              aria-label={`${o.label}: show its flows`}
              className="other"
              onClick={() => toFlows({ ip: o.key })}
              onKeyDown={(e) => activate(e, () => toFlows({ ip: o.key }))}
            >
              <rect x={o.x} y={o.y} width={NODE_W} height={30} rx={6} />
              <text x={o.x + NODE_W / 2} y={o.y + 19} textAnchor="middle">
                {o.label}
              </text>
            </g>
          ))}
        </svg>
      </div>

      <table className="table" aria-label="Paths">
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col">Client</th>
            <th scope="col">Server</th>
            <th scope="col" className="num">Flows</th>
            <th scope="col" className="num">Bytes</th>
            <th scope="col">Routed</th>
            <th scope="col">Verdict</th>
            <th scope="col">
              <span className="sr-only">Flows</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {[...cells]
            .sort((a, b) => b.bytes - a.bytes)
            .map((c, i) => (
              <tr key={i} className={c.verdict === 'fail' ? 'row-fail' : undefined}>
                <td>
                  <span className="swatch" style={{ background: CLASS_COLOURS[c.class] }} /> {c.class}
                </td>
                <td>{c.clientHost !== null ? `${c.clientHost}/${c.clientVmk ?? '?'}` : c.clientIp}</td>
                <td>{c.serverHost !== null ? `${c.serverHost}/${c.serverVmk ?? '?'}` : c.serverIp}</td>
                <td className="num">{formatCount(c.flows)}</td>
                <td className="num">{formatBytes(c.bytes)}</td>
                <td>{c.routed === null ? '?' : c.routed ? 'yes' : 'no'}</td>
                <td>{c.verdict !== null ? <span className={`badge badge-${c.verdict}`}>{c.verdict}</span> : '–'}</td>
                <td>
                  <button type="button" onClick={() => toFlows(cellFilter(c))}>
                    Flows
                  </button>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

function serviceShort(s: string): string {
  const map: Record<string, string> = { management: 'mgmt', vmotion: 'vMotion', vSphereProvisioning: 'prov', vsan: 'vSAN', faultToleranceLogging: 'FT', vSphereReplication: 'vR', vSphereReplicationNFC: 'vR-NFC', vSphereBackupNFC: 'backup' };
  return map[s] ?? s;
}
