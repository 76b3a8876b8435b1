import type { FindingRecord, FindingStatus, MigrationRecord, ReportHead } from '../contract/report.js';
import type { FlowDigest } from './digest.js';

/** What the HTML states about its own making (chain of custody). */
export interface HtmlMeta {
  commandLine: string;
  generatedAt: string;
}

const STATUS_ORDER: FindingStatus[] = ['fail', 'warn', 'pass', 'info'];

function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function badge(status: FindingStatus): string {
  return `<span class="badge ${status}">${status.toUpperCase()}</span>`;
}

function frames(report: ReportHead, f: FindingRecord['evidence'][number]): string {
  if (f.frames.length === 0) return '';
  const where = report.captures.length > 1 && f.capture !== null ? `capture ${f.capture + 1} ` : '';
  return `<span class="frames">${where}frame${f.frames.length > 1 ? 's' : ''} ${f.frames.join(', ')}</span>`;
}

/** Buckets a migration must span before its timeline says more than its average throughput. */
const MIN_CHART_BUCKETS = 3;

/** A bar chart of source-to-destination throughput (Mbit/s per bucket) as inline SVG. */
function throughputChart(m: MigrationRecord): string {
  const values = m.timeline.sourceToDest.map((b) => (b * 8) / m.timeline.bucketSeconds / 1e6);
  if (m.durationSeconds < MIN_CHART_BUCKETS * m.timeline.bucketSeconds) {
    return `<p class="meta">No throughput chart: the migration lasted ${m.durationSeconds.toFixed(3)} s, under ${MIN_CHART_BUCKETS} buckets of ${m.timeline.bucketSeconds} s.</p>`;
  }
  const w = 640;
  const h = 160;
  const left = 56;
  const bottom = 24;
  const max = values.reduce((m, v) => Math.max(m, v), 1);
  const bw = (w - left) / values.length;
  const bars = values
    .map((v, i) => {
      const bh = ((h - bottom - 8) * v) / max;
      return `<rect x="${(left + i * bw + 1).toFixed(1)}" y="${(h - bottom - bh).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${bh.toFixed(1)}"><title>${esc(`${(i * m.timeline.bucketSeconds).toFixed(0)} s: ${v.toFixed(1)} Mbit/s`)}</title></rect>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" role="img" aria-label="throughput of ${esc(m.id)}">
<line x1="${left}" y1="${h - bottom}" x2="${w}" y2="${h - bottom}"/><line x1="${left}" y1="8" x2="${left}" y2="${h - bottom}"/>
<text x="${left - 6}" y="14" text-anchor="end">${max.toFixed(0)}</text><text x="${left - 6}" y="${h - bottom}" text-anchor="end">0</text>
<text x="4" y="${(h - bottom) / 2}">Mbit/s</text>
<text x="${left}" y="${h - 6}">${esc(m.timeline.start)}</text><text x="${w}" y="${h - 6}" text-anchor="end">+${values.length * m.timeline.bucketSeconds} s (${m.timeline.bucketSeconds} s buckets)</text>
${bars}</svg>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;margin:2em auto;max-width:1100px;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #d0d7de;padding-bottom:.2em;margin-top:2em}h3{margin-bottom:.3em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.hash{word-break:break-all;min-width:12em}td.num{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
.badge{display:inline-block;min-width:3.2em;text-align:center;border-radius:3px;padding:0 4px;font-weight:600;font-size:.85em;color:#fff}
.badge.fail{background:#cf222e}.badge.warn{background:#9a6700}.badge.pass{background:#1a7f37}.badge.info{background:#57606a}
.finding{border:1px solid #d0d7de;border-left-width:6px;border-radius:4px;padding:.5em .8em;margin:.8em 0;page-break-inside:avoid}
.finding.fail{border-left-color:#cf222e}.finding.warn{border-left-color:#9a6700}.finding.pass{border-left-color:#1a7f37}.finding.info{border-left-color:#57606a}
.evidence li{margin:.15em 0}.frames{color:#57606a;font-size:.9em;margin-left:.4em}.meta{color:#57606a}
.summary span{margin-right:1.2em}.chart{width:100%;max-width:640px;height:auto}.chart rect{fill:#0969da}.chart line{stroke:#57606a}.chart text{font-size:10px;fill:#57606a}
@media print{body{margin:0;max-width:none;font-size:11px}h2{page-break-after:avoid}.finding,.migration{page-break-inside:avoid}a{color:inherit;text-decoration:none}}
`;

/**
 * One self-contained HTML file an auditor can read offline and print: the verdict table first,
 * then each migration with its throughput, each finding with its evidence and frame numbers, the
 * inventory the verdicts rest on, and the chain of custody.
 */
export function htmlReport(report: ReportHead, digest: FlowDigest, meta: HtmlMeta): string {
  const s = report.summary;
  const findings = report.findings.slice().sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
  const out: string[] = [];
  out.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vmkscope report — ${esc(report.captures.map((c) => c.file).join(', '))}</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>vmkscope: which VMkernel network the migrations used</h1>
<p class="meta">${esc(report.captures.length)} capture(s): ${report.captures.map((c) => `<span class="mono">${esc(c.file)}</span>`).join(', ')} · generated ${esc(meta.generatedAt)} by ${esc(report.tool.name)} ${esc(report.tool.version)}</p>
<p class="summary"><span>${badge('fail')} ${s.fail}</span><span>${badge('warn')} ${s.warn}</span><span>${badge('pass')} ${s.pass}</span><span>${badge('info')} ${s.info}</span>${report.inventory?.inferred ? '<span><b>No inventory was given:</b> verdicts that need one are marked info.</span>' : ''}</p>`);

  out.push('<h2 id="verdicts">Verdicts</h2><table><thead><tr><th>Status</th><th>Finding</th><th>Category</th><th>Rule</th><th>Flows</th></tr></thead><tbody>');
  for (const f of findings) {
    out.push(`<tr><td>${badge(f.status)}</td><td><a href="#${esc(f.id)}">${esc(f.title)}</a></td><td>${esc(f.category)}</td><td class="mono">${esc(f.rule)}</td><td class="mono">${esc(f.flows.slice(0, 8).join(' '))}${f.flows.length > 8 ? ` +${f.flows.length - 8}` : ''}</td></tr>`);
  }
  if (findings.length === 0) out.push('<tr><td colspan="5">No findings.</td></tr>');
  out.push('</tbody></table>');

  out.push('<h2 id="migrations">Migrations</h2>');
  if (report.migrations.length === 0) out.push('<p>No vMotion, cold migration or UDT traffic was found.</p>');
  for (const m of report.migrations) {
    const rate = m.throughputBitsPerSecond === null ? '—' : `${(m.throughputBitsPerSecond / 1e6).toFixed(1)} Mbit/s`;
    out.push(`<div class="migration"><h3>${esc(m.id)}: ${esc({ vmotion: 'vMotion', cold: 'Cold migration', udt: 'UDT migration' }[m.kind])} ${esc(m.sourceHost)} → ${esc(m.destHost)}</h3>
<table><tbody>
<tr><th>Source vmks</th><td class="mono">${esc(m.sourceVmks.join(', '))}</td><th>Destination vmks</th><td class="mono">${esc(m.destVmks.join(', '))}</td></tr>
<tr><th>Start</th><td>${esc(m.start)}</td><th>End</th><td>${esc(m.end)} (${m.durationSeconds.toFixed(3)} s)</td></tr>
<tr><th>Streams</th><td class="num">${m.streams}</td><th>Frame bytes</th><td class="num">${thousands(m.bytes)} (${bytes(m.bytes)}), ${thousands(m.dataBytes)} source → destination</td></tr>
<tr><th>Throughput</th><td>${rate}</td><th>Flows</th><td class="mono">${esc(m.flows.join(' '))}</td></tr>
</tbody></table>${throughputChart(m)}</div>`);
  }

  out.push('<h2 id="findings">Findings and evidence</h2>');
  for (const f of findings) {
    out.push(`<div class="finding ${f.status}" id="${esc(f.id)}"><h3>${badge(f.status)} ${esc(f.title)}</h3>
<p class="meta"><span class="mono">${esc(f.rule)}</span> · ${esc(f.category)} · finding ${esc(f.id)}${f.flows.length > 0 ? ` · flows <span class="mono">${esc(f.flows.join(' '))}</span>` : ''}</p>
<p>${esc(f.detail)}</p>${f.evidence.length > 0 ? `<ul class="evidence">${f.evidence.map((e) => `<li><b>${esc(e.kind)}</b>: ${esc(e.text)}${frames(report, e)}</li>`).join('')}</ul>` : ''}</div>`);
  }

  const shown = [...digest.migrationFlows, ...digest.largestOthers()];
  out.push(`<h2 id="flows">Flows</h2><p class="meta">Migration flows, then the largest others (${shown.length} of ${digest.count}). Bytes are frame bytes on the wire (Wireshark frame.len).</p>
<table><thead><tr><th>Id</th><th>Client</th><th>Server</th><th>Class</th><th>Packets</th><th>Frame bytes</th><th>VLANs</th><th>Routed</th><th>First frame</th></tr></thead><tbody>`);
  for (const f of shown) {
    const end = (e: typeof f.client): string => `${esc(e.ip)}:${e.port}${e.host ? `<br><span class="meta">${esc(e.host)}${e.vmk ? ` ${esc(e.vmk)}` : ''}</span>` : ''}`;
    out.push(`<tr><td class="mono">${esc(f.id)}</td><td class="mono">${end(f.client)}</td><td class="mono">${end(f.server)}</td><td>${esc(f.class)}</td><td class="num">${thousands(f.packets)}</td><td class="num">${thousands(f.bytes)}</td><td>${esc(f.vlans.join(', '))}</td><td>${f.path.routed === null ? '?' : f.path.routed ? `yes${f.path.gateway ? ` (${esc(f.path.gateway)})` : ''}` : 'no'}</td><td class="num">${report.captures.length > 1 ? `${f.capture + 1}:` : ''}${f.frames.first}</td></tr>`);
  }
  out.push('</tbody></table>');

  const inv = report.inventory;
  out.push(`<h2 id="inventory">Inventory used</h2>`);
  if (inv === null) out.push('<p>None.</p>');
  else {
    out.push(`<p class="meta">${inv.inferred ? 'Inferred from the capture (no inventory given).' : `From ${esc(inv.sources.join(', '))}.`}</p>
<table><thead><tr><th>Host</th><th>Version</th><th>vmk</th><th>Address</th><th>MAC</th><th>VLAN</th><th>Netstack</th><th>Gateway</th><th>Services</th></tr></thead><tbody>`);
    for (const h of inv.hosts) {
      for (const v of h.vmks) {
        out.push(`<tr><td>${esc(h.name)}</td><td>${esc(h.version ?? '')}</td><td class="mono">${esc(v.device)}</td><td class="mono">${esc([v.ip, ...v.otherIps].join(' '))}</td><td class="mono">${esc(v.mac ?? '')}</td><td>${esc(v.vlan ?? '')}</td><td>${esc(v.netstack)}</td><td class="mono">${esc(v.gateway ?? '')}</td><td>${esc(v.services.join(', '))}</td></tr>`);
      }
    }
    out.push('</tbody></table>');
    if (inv.vcenters.length > 0) out.push(`<p><b>vCenter:</b> ${inv.vcenters.map((v) => `${esc(v.name)} <span class="mono">${esc(v.ip)}</span>`).join(', ')}</p>`);
    if (inv.gateways.length > 0) out.push(`<p><b>Gateways:</b> ${inv.gateways.map((g) => `${esc(g.name)} <span class="mono">${esc([...g.ips, ...g.macs].join(' '))}</span>`).join('; ')}</p>`);
  }

  out.push(`<h2 id="custody">Chain of custody</h2><table><thead><tr><th>Capture</th><th>Format</th><th>Size</th><th>SHA-256</th><th>Packets</th><th>Frame bytes</th><th>First packet</th><th>Last packet</th><th>Warnings</th></tr></thead><tbody>`);
  for (const c of report.captures) {
    out.push(`<tr><td class="mono">${esc(c.file)}</td><td>${esc(c.format)}${c.compression === 'gzip' ? ' (gzip)' : ''}</td><td class="num">${thousands(c.size)}</td><td class="mono hash">${esc(c.sha256 ?? 'not computed')}</td><td class="num">${thousands(c.packets)}</td><td class="num">${thousands(c.bytes)}</td><td>${esc(c.start ?? '')}</td><td>${esc(c.end ?? '')}</td><td>${esc(c.warnings.join('; '))}</td></tr>`);
  }
  out.push(`</tbody></table><p class="meta">Tool: ${esc(report.tool.name)} ${esc(report.tool.version)} · report schema ${report.schemaVersion} · command: <span class="mono">${esc(meta.commandLine)}</span> · generated ${esc(meta.generatedAt)}</p>`);
  out.push('</body></html>\n');
  return out.join('\n');
}
