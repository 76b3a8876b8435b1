import { useEffect, useRef, useState } from 'react';
import type { AnalysisDetail } from '../../../core/contract/engine-api.js';
import type { FindingRecord, FindingStatus } from '../../../core/contract/report.js';
import { useApp } from '../app-context.js';
import { baseName } from '../components/format.js';
import { PacketActions } from '../components/PacketActions.js';
import { FlowDetail } from './FlowDetail.js';

const STATUSES: FindingStatus[] = ['fail', 'warn', 'pass', 'info'];

export function FindingsView({ detail }: { detail: AnalysisDetail }) {
  const { route } = useApp();
  const [shown, setShown] = useState<Set<FindingStatus>>(new Set(STATUSES));
  const initiallyOpen = route.findingId ?? detail.findings.find((f) => f.status === 'fail')?.id ?? null;
  const [open, setOpen] = useState<Set<string>>(new Set(initiallyOpen === null ? [] : [initiallyOpen]));
  const sorted = [...detail.findings].sort((a, b) => STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status));
  const visible = sorted.filter((f) => shown.has(f.status));

  const toggle = <T,>(set: Set<T>, value: T): Set<T> => {
    const next = new Set(set);
    if (!next.delete(value)) next.add(value);
    return next;
  };

  return (
    <div className="findings">
      <div role="group" aria-label="Show findings by status" className="status-filter">
        {STATUSES.map((s) => (
          <button key={s} type="button" aria-pressed={shown.has(s)} className={`badge badge-${s}`} onClick={() => setShown(toggle(shown, s))}>
            {s} ({detail.summary[s]})
          </button>
        ))}
      </div>
      {visible.length === 0 && <p>No findings with these statuses.</p>}
      <ul className="finding-cards" aria-label="Findings">
        {visible.map((f) => (
          <FindingCard key={f.id} finding={f} analysisId={detail.id} captures={detail.captures.map((c) => c.file)} expanded={open.has(f.id)} focus={route.findingId === f.id} onToggle={() => setOpen(toggle(open, f.id))} />
        ))}
      </ul>
    </div>
  );
}

function FindingCard(props: { finding: FindingRecord; analysisId: number; captures: string[]; expanded: boolean; focus: boolean; onToggle: () => void }) {
  const { finding: f, analysisId, captures, expanded } = props;
  const [flow, setFlow] = useState<string | null>(null);
  const header = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (props.focus) header.current?.focus();
  }, [props.focus]);
  const bodyId = `finding-${f.id}-body`;
  return (
    <li className={`finding finding-${f.status}`}>
      <h2 className="finding-title">
        <button ref={header} type="button" aria-expanded={expanded} aria-controls={bodyId} onClick={props.onToggle}>
          <span className={`badge badge-${f.status}`}>{f.status}</span> {f.title}
        </button>
      </h2>
      {expanded && (
        <div id={bodyId} role="region" aria-label={`Finding ${f.id}: ${f.title}`} className="finding-body">
          <p className="muted">
            <code>{f.rule}</code> · {f.category} · {f.id}
          </p>
          <p>{f.detail}</p>
          {f.evidence.length > 0 && (
            <>
              <h3>Evidence</h3>
              <ul className="evidence" aria-label="Evidence">
                {f.evidence.map((e, i) => (
                  <li key={i}>
                    <span className="evidence-kind">{e.kind}</span> {e.text}
                    {e.frames.length > 0 && (
                      <span className="frames">
                        {' '}
                        — frame{e.frames.length === 1 ? '' : 's'} {e.frames.join(', ')}
                        {e.capture !== null && captures.length > 1 ? ` in ${baseName(captures[e.capture] ?? '')}` : ''}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
          {f.flows.length > 0 && (
            <p>
              Flows:{' '}
              {f.flows.map((id) => (
                <button key={id} type="button" className="link" onClick={() => setFlow(flow === id ? null : id)} aria-pressed={flow === id}>
                  {id}
                </button>
              ))}
            </p>
          )}
          {f.flows.length > 0 && <PacketActions selection={{ analysisId, findingId: f.id }} what={`finding ${f.id}`} />}
          {flow !== null && <FlowDetail analysisId={analysisId} flowId={flow} onClose={() => setFlow(null)} />}
        </div>
      )}
    </li>
  );
}
