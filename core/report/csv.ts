import type { FlowRecord, ReportHead } from '../contract/report.js';

/**
 * Text a spreadsheet would run as a formula (OWASP "CSV injection"): host names, file names and
 * other text from inventories and captures may start so. Such a cell gets a leading apostrophe,
 * which spreadsheets show as text. Numbers (negative ones included) are left as they are.
 */
const FORMULA_START = /^(?:[=+@\t\r]|-[^\d])/;

/** One RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
function field(v: unknown): string {
  let s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
  if (typeof v !== 'number' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function row(values: unknown[]): string {
  return `${values.map(field).join(',')}\r\n`;
}

function table(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map(row).join('');
}

export const FLOW_CSV_HEADER = ['id', 'capture', 'protocol', 'client_ip', 'client_port', 'client_host', 'client_vmk', 'server_ip', 'server_port', 'server_host', 'server_vmk', 'class', 'packets', 'bytes', 'client_bytes', 'server_bytes', 'payload_bytes', 'start', 'end', 'vlans', 'encapsulation', 'routed', 'gateway', 'first_frame'];

/** flows.csv's header line, then one flowCsvRow per flow (written as the flows stream). */
export function flowCsvHeader(): string {
  return row(FLOW_CSV_HEADER);
}

export function flowCsvRow(report: Pick<ReportHead, 'captures'>, f: FlowRecord): string {
  return row([
    f.id,
    report.captures[f.capture]?.file,
    f.protocol,
    f.client.ip,
    f.client.port,
    f.client.host,
    f.client.vmk,
    f.server.ip,
    f.server.port,
    f.server.host,
    f.server.vmk,
    f.class,
    f.packets,
    f.bytes,
    f.clientBytes,
    f.serverBytes,
    f.payloadBytes,
    f.start,
    f.end,
    f.vlans,
    f.encapsulation ? `${f.encapsulation.kind}${f.encapsulation.session === null ? '' : ` session ${f.encapsulation.session}`}` : '',
    f.path.routed === null ? 'unknown' : f.path.routed ? 'yes' : 'no',
    f.path.gateway,
    f.frames.first,
  ]);
}

/** findings.csv and migrations.csv: one row per record, for spreadsheets and scripts. */
export function csvTables(report: ReportHead): Record<'findings.csv' | 'migrations.csv', string> {
  return {
    'findings.csv': table(
      ['id', 'rule', 'category', 'status', 'title', 'detail', 'flows', 'evidence_frames'],
      report.findings.map((f) => [
        f.id,
        f.rule,
        f.category,
        f.status,
        f.title,
        f.detail,
        f.flows,
        f.evidence.flatMap((e) => e.frames.map((n) => (report.captures.length > 1 && e.capture !== null ? `${e.capture + 1}:${n}` : String(n)))),
      ]),
    ),
    'migrations.csv': table(
      ['id', 'kind', 'source_host', 'dest_host', 'source_vmks', 'dest_vmks', 'start', 'end', 'duration_s', 'streams', 'bytes', 'data_bytes', 'throughput_bps', 'flows'],
      report.migrations.map((m) => [m.id, m.kind, m.sourceHost, m.destHost, m.sourceVmks, m.destVmks, m.start, m.end, m.durationSeconds, m.streams, m.bytes, m.dataBytes, m.throughputBitsPerSecond, m.flows]),
    ),
  };
}
