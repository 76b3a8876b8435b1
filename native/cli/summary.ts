import type { FlowRecord, ReportHead } from '../../core/contract/report.js';
import { LARGEST_FLOWS, type FlowDigest } from '../../core/report/digest.js';
import { humanBytes, humanDuration, table, thousands } from './text.js';

function endpoint(e: FlowRecord['client']): string {
  const ip = e.ip.includes(':') ? `[${e.ip}]` : e.ip;
  const who = e.host ? ` (${e.host}${e.vmk ? ` ${e.vmk}` : ''})` : '';
  return `${ip}:${e.port}${who}`;
}

function mbits(f: FlowRecord): string {
  if (f.durationSeconds <= 0) return '-';
  return ((8 * f.bytes) / f.durationSeconds / 1e6).toFixed(1);
}

/** The human-readable report printed when no --json - is asked for. */
export function summaryText(report: ReportHead, digest: FlowDigest): string {
  const out: string[] = [];
  const packets = report.captures.reduce((s, c) => s + c.packets, 0);
  const bytes = report.captures.reduce((s, c) => s + c.bytes, 0);
  out.push(
    `vmkscope ${report.tool.version}: ${report.captures.length} capture(s), ${thousands(packets)} packets, ${humanBytes(bytes)} on the wire, ${thousands(report.flowCount)} flows`,
  );
  out.push('');
  out.push('Captures');
  out.push(
    table(
      ['#', 'file', 'format', 'packets', 'frame bytes', 'start (UTC)', 'end (UTC)', 'sha256'],
      report.captures.map((c, i) => [
        String(i + 1),
        c.file,
        `${c.format}${c.compression === 'gzip' ? '+gzip' : ''}`,
        thousands(c.packets),
        thousands(c.bytes),
        c.start ?? '-',
        c.end ?? '-',
        c.sha256 ? c.sha256.slice(0, 16) : '-',
      ]),
      new Set([3, 4]),
    ),
  );
  if (report.flowCount > 0) {
    const top = digest.largest(LARGEST_FLOWS);
    out.push('');
    out.push(report.flowCount > LARGEST_FLOWS ? `Flows (top ${LARGEST_FLOWS} of ${thousands(report.flowCount)} by frame bytes)` : 'Flows');
    out.push(
      table(
        ['id', 'proto', 'client', 'server', 'class', 'packets', 'frame bytes', 'duration', 'Mbit/s', 'vlans'],
        top.map((f) => [
          f.id,
          f.protocol,
          endpoint(f.client),
          endpoint(f.server),
          f.class,
          thousands(f.packets),
          thousands(f.bytes),
          humanDuration(f.durationSeconds),
          mbits(f),
          f.vlans.join(',') || '-',
        ]),
        new Set([5, 6, 7, 8]),
      ),
    );
  }
  if (report.migrations.length > 0) {
    out.push('');
    out.push('Migrations');
    out.push(
      table(
        ['id', 'kind', 'source', 'destination', 'streams', 'frame bytes', 'duration', 'Mbit/s'],
        report.migrations.map((m) => [
          m.id,
          m.kind,
          m.sourceVmks.join(', '),
          m.destVmks.join(', '),
          String(m.streams),
          thousands(m.bytes),
          humanDuration(m.durationSeconds),
          m.throughputBitsPerSecond === null ? '-' : (m.throughputBitsPerSecond / 1e6).toFixed(1),
        ]),
        new Set([4, 5, 6, 7]),
      ),
    );
  }
  if (report.findings.length > 0) {
    out.push('');
    out.push('Findings');
    out.push(table(['id', 'status', 'category', 'rule', 'title'], report.findings.map((f) => [f.id, f.status.toUpperCase(), f.category, f.rule, f.title])));
  }
  const warnings = report.captures.flatMap((c) => c.warnings.map((w) => `  ${c.file}: ${w}`));
  if (warnings.length > 0) {
    out.push('');
    out.push('Warnings');
    out.push(...warnings);
  }
  const s = report.summary;
  out.push('');
  out.push(`Verdicts: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.info} info`);
  return out.join('\n');
}
