import { useState } from 'react';
import type { AnalysisDetail, ExportRequest } from '../../../core/contract/engine-api.js';
import { useApp } from '../app-context.js';

const FORMATS: { format: ExportRequest['format'] | 'pdf'; label: string; what: string }[] = [
  { format: 'html', label: 'HTML report', what: 'One self-contained file for auditors: verdicts, migrations, findings with evidence and frame numbers, inventory, chain of custody.' },
  { format: 'pdf', label: 'PDF', what: 'The HTML report printed to PDF.' },
  { format: 'csv', label: 'CSV', what: 'flows.csv, findings.csv and migrations.csv.' },
  { format: 'json', label: 'JSON', what: 'The whole report (the report contract, schemaVersion 1).' },
];

export function ExportView({ detail }: { detail: AnalysisDetail }) {
  const { host, notify } = useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (format: ExportRequest['format'] | 'pdf') => {
    setBusy(format);
    try {
      const saved = format === 'pdf' ? await host.savePdf(detail.id) : await host.saveExport({ analysisId: detail.id, format });
      if (saved !== null) notify(host.mode === 'browser' ? `Downloaded ${saved}` : `Saved ${saved}`);
      else if (format === 'pdf' && host.mode === 'browser') notify('The report opened in a new tab with the print dialog: choose “Save as PDF”');
    } catch (err) {
      notify(`${format.toUpperCase()}: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="panel export" aria-labelledby="export-heading">
      <h2 id="export-heading">Export analysis {detail.id}</h2>
      <ul className="export-list">
        {FORMATS.map((f) => (
          <li key={f.format}>
            <button type="button" disabled={busy !== null} onClick={() => void run(f.format)}>
              {f.label}
            </button>
            <span className="muted">{f.what}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
