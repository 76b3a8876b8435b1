import type { AnalysisDetail } from '../../../core/contract/engine-api.js';
import type { FindingStatus } from '../../../core/contract/report.js';
import { useApp } from '../app-context.js';
import { baseName, formatBytes, formatCount, formatRate, formatSeconds } from '../components/format.js';

const STATUS_ORDER: FindingStatus[] = ['fail', 'warn', 'pass', 'info'];

export function OverviewView({ detail }: { detail: AnalysisDetail }) {
  const { navigate } = useApp();
  const worst = [...detail.findings].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
  return (
    <div className="overview">
      <section aria-label="Verdicts" className="verdict-cards">
        {STATUS_ORDER.map((s) => (
          <button
            type="button"
            key={s}
            className={`card card-${s}`}
            aria-label={`${detail.summary[s]} ${s}`}
            onClick={() => navigate({ view: 'findings', analysisId: detail.id })}
          >
            <span className="card-count">{detail.summary[s]}</span>
            <span className="card-label">{s}</span>
          </button>
        ))}
      </section>

      <section aria-labelledby="findings-heading" className="panel">
        <h2 id="findings-heading">Findings</h2>
        {worst.length === 0 ? (
          <p>No findings: no migration traffic was seen.</p>
        ) : (
          <ul className="finding-list">
            {worst.map((f) => (
              <li key={f.id}>
                <span className={`badge badge-${f.status}`}>{f.status}</span>{' '}
                <button type="button" className="link" onClick={() => navigate({ view: 'findings', analysisId: detail.id, findingId: f.id })}>
                  {f.title}
                </button>{' '}
                <code className="muted">{f.rule}</code>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="migrations-heading" className="panel">
        <h2 id="migrations-heading">Migrations</h2>
        {detail.migrations.length === 0 ? (
          <p>No vMotion, cold (NFC) or UDT migration in these captures.</p>
        ) : (
          <table className="table" aria-labelledby="migrations-heading">
            <thead>
              <tr>
                <th scope="col">Migration</th>
                <th scope="col">Kind</th>
                <th scope="col">Source</th>
                <th scope="col">Destination</th>
                <th scope="col" className="num">Streams</th>
                <th scope="col" className="num">Bytes</th>
                <th scope="col" className="num">Duration</th>
                <th scope="col" className="num">Throughput</th>
              </tr>
            </thead>
            <tbody>
              {detail.migrations.map((m) => (
                <tr key={m.id}>
                  <td>{m.id}</td>
                  <td>{m.kind}</td>
                  <td>{m.sourceVmks.join(', ') || m.sourceHost}</td>
                  <td>{m.destVmks.join(', ') || m.destHost}</td>
                  <td className="num">{m.streams}</td>
                  <td className="num">{formatBytes(m.bytes)}</td>
                  <td className="num">{formatSeconds(m.durationSeconds)}</td>
                  <td className="num">{formatRate(m.throughputBitsPerSecond)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="captures-heading" className="panel">
        <h2 id="captures-heading">Captures</h2>
        <table className="table" aria-labelledby="captures-heading">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Format</th>
              <th scope="col" className="num">Packets</th>
              <th scope="col" className="num">Bytes on the wire</th>
              <th scope="col">Start (UTC)</th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {detail.captures.map((c, i) => (
              <tr key={i}>
                <td title={c.file}>{baseName(c.file)}</td>
                <td>
                  {c.format}
                  {c.compression === 'gzip' ? ' (gzip)' : ''}
                </td>
                <td className="num">{formatCount(c.packets)}</td>
                <td className="num">{formatBytes(c.bytes)}</td>
                <td>{c.start ?? '–'}</td>
                <td>
                  <code title={c.sha256 ?? ''}>{c.sha256?.slice(0, 16) ?? '–'}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">
          {formatCount(detail.flowCount)} flows.{' '}
          {detail.inventory === null
            ? 'No inventory.'
            : detail.inventory.inferred
              ? 'Inventory inferred from the capture: attach the hosts’ vmkernel configuration for full verdicts.'
              : `Inventory: ${detail.inventory.hosts.length} host(s) from ${detail.inventory.sources.map(baseName).join(', ')}.`}
        </p>
      </section>
    </div>
  );
}
