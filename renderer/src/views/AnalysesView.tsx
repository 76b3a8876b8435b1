import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { AnalysisSummary, AnalyzeProgress, InventoryImportResult } from '../../../core/contract/engine-api.js';
import { useApp } from '../app-context.js';
import { baseName, formatBytes, formatCount, formatSeconds } from '../components/format.js';

interface Running {
  analysisId: number;
  progress: AnalyzeProgress;
  startedAt: number;
  /** Smoothed frames per second and bytes per second over the last updates. */
  framesPerSecond: number;
  bytesPerSecond: number;
  last: { at: number; frames: number; bytes: number };
}

const CAPTURE_TYPES = '.pcap,.pcapng,.cap,.gz,.dmp,application/vnd.tcpdump.pcap';

export function AnalysesView() {
  const { host, navigate, notify } = useApp();
  const [captures, setCaptures] = useState<File[]>([]);
  const [inventoryFiles, setInventoryFiles] = useState<File[]>([]);
  const [pasted, setPasted] = useState('');
  const [checked, setChecked] = useState<InventoryImportResult | null>(null);
  const [starting, setStarting] = useState<string | null>(null);
  const [running, setRunning] = useState<Map<number, Running>>(new Map());
  const [recent, setRecent] = useState<AnalysisSummary[] | null>(null);
  const [dragging, setDragging] = useState(false);
  const captureInput = useRef<HTMLInputElement>(null);

  const refresh = useCallback(() => host.api.listAnalyses().then(setRecent, (err: Error) => notify(err.message, 'error')), [host, notify]);

  useEffect(() => {
    void refresh();
    const offChanged = host.api.on('analysisChanged', (e) => {
      void refresh();
      if (e.status !== 'running') setRunning((m) => (m.has(e.analysisId) ? new Map([...m].filter(([id]) => id !== e.analysisId)) : m));
    });
    const offProgress = host.api.on('progress', (p) => {
      if (p.analysisId === undefined) return;
      const id = p.analysisId;
      const now = performance.now();
      setRunning((m) => {
        const prev = m.get(id);
        const next = new Map(m);
        if (prev === undefined) {
          next.set(id, { analysisId: id, progress: p, startedAt: now, framesPerSecond: 0, bytesPerSecond: 0, last: { at: now, frames: p.frames, bytes: p.bytesRead } });
          return next;
        }
        const dt = (now - prev.last.at) / 1000;
        if (dt < 0.2 && p.capture === prev.progress.capture) {
          next.set(id, { ...prev, progress: p });
          return next;
        }
        const sameCapture = p.capture === prev.progress.capture;
        const fps = sameCapture ? (p.frames - prev.last.frames) / dt : prev.framesPerSecond;
        const bps = sameCapture ? (p.bytesRead - prev.last.bytes) / dt : prev.bytesPerSecond;
        // Smoothed so the ETA does not jump with each chunk.
        const a = prev.framesPerSecond === 0 ? 1 : 0.3;
        next.set(id, {
          ...prev,
          progress: p,
          framesPerSecond: a * fps + (1 - a) * prev.framesPerSecond,
          bytesPerSecond: a * bps + (1 - a) * prev.bytesPerSecond,
          last: { at: now, frames: p.frames, bytes: p.bytesRead },
        });
        return next;
      });
    });
    const offWarning = host.api.on('warning', (w) => notify(w));
    return () => {
      offChanged();
      offProgress();
      offWarning();
    };
  }, [host, notify, refresh]);

  const addCaptures = (files: FileList | File[] | null) => {
    if (files === null) return;
    const list = [...files];
    if (list.length > 0) setCaptures((c) => [...c, ...list.filter((f) => !c.some((x) => x.name === f.name && x.size === f.size))]);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    addCaptures(e.dataTransfer.files);
  };

  const inventoryTexts = async () => [
    ...(await Promise.all(inventoryFiles.map(async (f) => ({ name: f.name, text: await f.text() })))),
    ...(pasted.trim() === '' ? [] : [{ name: 'pasted inventory', text: pasted }]),
  ];

  const checkInventory = async () => {
    try {
      const inputs = await inventoryTexts();
      if (inputs.length === 0) return notify('Attach inventory files or paste esxcli output first', 'error');
      setChecked(await host.api.importInventory(inputs));
    } catch (err) {
      notify((err as Error).message, 'error');
    }
  };

  const analyze = async () => {
    if (captures.length === 0) return;
    const names = captures.map((c) => c.name).join(', ');
    try {
      setStarting(host.mode === 'browser' ? `Uploading ${names}…` : `Starting ${names}…`);
      const paths = await host.stageFiles(captures);
      const inventoryText = await inventoryTexts();
      setStarting(`Analysing ${names}…`);
      const analysis = host.api.analyze({ captures: paths, inventoryText: inventoryText.length > 0 ? inventoryText : undefined, store: true });
      setCaptures([]);
      setStarting(null);
      const { analysisId } = await analysis;
      notify(`Analysis ${analysisId} of ${names} is complete`);
      navigate({ view: 'overview', analysisId });
    } catch (err) {
      setStarting(null);
      const e = err as Error;
      notify(e.name === 'AnalysisCancelledError' ? `Cancelled: ${names}` : `${names}: ${e.message}`, e.name === 'AnalysisCancelledError' ? 'info' : 'error');
    }
  };

  const remove = async (a: AnalysisSummary) => {
    await host.api.deleteAnalysis(a.id).catch((err: Error) => notify(err.message, 'error'));
    void refresh();
  };

  return (
    <div className="analyses">
      <section aria-labelledby="open-heading" className="panel">
        <h2 id="open-heading">Open captures</h2>
        <div
          role="region"
          aria-label="Drop captures here"
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <p>Drop pcap or pcapng files here (gzip too), several at once for one analysis, or</p>
          <button type="button" onClick={() => captureInput.current?.click()}>
            Choose capture files…
          </button>
          <input ref={captureInput} type="file" multiple accept={CAPTURE_TYPES} aria-label="Capture files" hidden onChange={(e) => {
              addCaptures(e.target.files);
              e.target.value = '';
            }} />
        </div>
        {captures.length > 0 && (
          <ul aria-label="Captures to analyse" className="chosen">
            {captures.map((f) => (
              <li key={`${f.name}:${f.size}`}>
                {f.name} <span className="muted">{formatBytes(f.size)}</span>{' '}
                <button type="button" aria-label={`Remove ${f.name}`} onClick={() => setCaptures((c) => c.filter((x) => x !== f))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}

        <h3>Inventory</h3>
        <p className="muted">
          Optional: without it vmkscope infers hosts from the capture and says which verdicts need a real inventory. Canonical YAML/JSON, or output pasted as is: esxcli network ip
          interface list / ipv4 get / tag get, esxcfg-vmknic -l, govc host.vnic.info, PowerCLI CSV.
        </p>
        <label className="field">
          Inventory files
          <input type="file" multiple aria-label="Inventory files" onChange={(e) => {
              setInventoryFiles([...(e.target.files ?? [])]);
              setChecked(null);
            }} />
        </label>
        <label className="field">
          Paste inventory
          <textarea aria-label="Paste inventory" rows={5} spellCheck={false} value={pasted} onChange={(e) => {
              setPasted(e.target.value);
              setChecked(null);
            }} placeholder="[root@esx01:~] esxcli network ip interface ipv4 get …" />
        </label>
        <button type="button" onClick={() => void checkInventory()}>
          Check inventory
        </button>
        {checked !== null && <InventoryCheck result={checked} />}

        <div className="actions">
          <button type="button" className="primary" disabled={captures.length === 0 || starting !== null} onClick={() => void analyze()}>
            Analyse {captures.length > 0 ? `${captures.length} capture${captures.length === 1 ? '' : 's'}` : ''}
          </button>
          {starting !== null && <span role="status">{starting}</span>}
        </div>
      </section>

      {running.size > 0 && (
        <section aria-label="Running analyses" className="panel">
          <h2>Running</h2>
          {[...running.values()].map((r) => (
            <ProgressRow key={r.analysisId} run={r} onCancel={() => void host.api.cancelAnalysis(r.analysisId).catch((err: Error) => notify(err.message, 'error'))} />
          ))}
        </section>
      )}

      <section aria-labelledby="recent-heading" className="panel">
        <h2 id="recent-heading">Recent analyses</h2>
        {recent === null ? (
          <p role="status">Loading…</p>
        ) : recent.length === 0 ? (
          <p>None yet.</p>
        ) : (
          <table aria-labelledby="recent-heading" className="table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Captures</th>
                <th scope="col">When</th>
                <th scope="col">Status</th>
                <th scope="col">Verdicts</th>
                <th scope="col" className="num">Packets</th>
                <th scope="col" className="num">Flows</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {recent.map((a) => (
                <tr key={a.id}>
                  <td>{a.id}</td>
                  <td title={a.inputs.join('\n')}>{a.inputs.map(baseName).join(', ')}</td>
                  <td>{new Date(a.createdAt).toLocaleString()}</td>
                  <td>
                    <span className={`status status-${a.status}`}>{a.status}</span>
                    {a.error !== null && <span className="muted"> {a.error}</span>}
                  </td>
                  <td>
                    <Verdicts summary={a.summary} />
                  </td>
                  <td className="num">{formatCount(a.packets)}</td>
                  <td className="num">{formatCount(a.flowCount)}</td>
                  <td className="row-actions">
                    <button type="button" disabled={a.status !== 'complete'} onClick={() => navigate({ view: 'overview', analysisId: a.id })} aria-label={`Open analysis ${a.id}`}>
                      Open
                    </button>
                    <button type="button" disabled={a.status === 'running'} onClick={() => void remove(a)} aria-label={`Delete analysis ${a.id}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

export function Verdicts({ summary }: { summary: AnalysisSummary['summary'] }) {
  return (
    <span className="verdicts">
      {(['fail', 'warn', 'pass', 'info'] as const).map((k) => (
        <span key={k} className={`badge badge-${k}${summary[k] === 0 ? ' zero' : ''}`}>
          {summary[k]} {k}
        </span>
      ))}
    </span>
  );
}

function ProgressRow({ run, onCancel }: { run: Running; onCancel: () => void }) {
  const p = run.progress;
  const fraction = p.totalBytes !== null && p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : null;
  const eta = fraction !== null && run.bytesPerSecond > 0 ? (p.totalBytes! - p.bytesRead) / run.bytesPerSecond : null;
  const label = `Analysis ${run.analysisId}: ${baseName(p.file)}`;
  return (
    <div className="progress-row">
      <div className="progress-head">
        <strong>{label}</strong>
        {p.captures > 1 && (
          <span className="muted">
            {' '}
            (capture {p.capture + 1} of {p.captures})
          </span>
        )}
        <button type="button" onClick={onCancel} aria-label={`Cancel analysis ${run.analysisId}`}>
          Cancel
        </button>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
        aria-valuetext={fraction === null ? `${formatBytes(p.bytesRead)} read` : `${Math.round(fraction * 100)}%`}
        className="progressbar"
      >
        <div className="progressbar-fill" style={{ width: `${(fraction ?? 0) * 100}%` }} />
      </div>
      <div className="progress-facts" aria-label="Progress details">
        <span>
          {formatBytes(p.bytesRead)}
          {p.totalBytes !== null ? ` of ${formatBytes(p.totalBytes)}` : ''}
        </span>
        <span>{formatCount(p.frames)} packets</span>
        <span>{formatCount(Math.round(run.framesPerSecond))} packets/s</span>
        <span>{formatBytes(Math.round(run.bytesPerSecond))}/s</span>
        <span>ETA {eta === null ? '–' : formatSeconds(eta)}</span>
      </div>
    </div>
  );
}

function InventoryCheck({ result }: { result: InventoryImportResult }) {
  const vmks = result.inventory.hosts.reduce((n, h) => n + h.vmks.length, 0);
  return (
    <div className="inventory-check" role="status" aria-label="Inventory check">
      {result.problems.length === 0 ? (
        <p>
          {result.inventory.hosts.length} host(s), {vmks} vmk(s)
          {result.inventory.hosts.length > 0 ? `: ${result.inventory.hosts.map((h) => `${h.name} (${h.vmks.map((v) => v.device).join(', ')})`).join('; ')}` : ''}
        </p>
      ) : (
        <ul className="problems">
          {result.problems.map((p, i) => (
            <li key={i}>
              {p.file}
              {p.line !== null ? `:${p.line}` : ''}: {p.message}
            </li>
          ))}
        </ul>
      )}
      {result.warnings.length > 0 && (
        <ul className="warnings" aria-label="Inventory warnings">
          {result.warnings.map((p, i) => (
            <li key={i}>
              {p.file}
              {p.line !== null ? `:${p.line}` : ''}: {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
