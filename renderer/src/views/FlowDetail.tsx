import { useEffect, useRef, useState } from 'react';
import type { DirectionRecord, FlowRecord } from '../../../core/contract/report.js';
import { useApp } from '../app-context.js';
import { PacketActions } from '../components/PacketActions.js';
import { endpointLabel, formatBytes, formatCount, formatSeconds } from '../components/format.js';

export function FlowDetail({ analysisId, flowId, onClose }: { analysisId: number; flowId: string; onClose: () => void }) {
  const { host, notify } = useApp();
  const [flow, setFlow] = useState<FlowRecord | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setFlow(null);
    host.api.getFlow(analysisId, flowId).then(setFlow, (err: Error) => notify(err.message, 'error'));
  }, [host, analysisId, flowId, notify]);
  useEffect(() => heading.current?.focus(), [flow]);

  return (
    <aside className="detail" aria-label={`Flow ${flowId}`} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="detail-head">
        <h2 ref={heading} tabIndex={-1}>
          Flow {flowId}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close flow details">
          ×
        </button>
      </div>
      {flow === null ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <dl className="facts">
            <dt>Client</dt>
            <dd>
              {endpointLabel(flow.client)} {flow.client.mac !== null && <code>{flow.client.mac}</code>} <span className="muted">({flow.clientBasis})</span>
            </dd>
            <dt>Server</dt>
            <dd>
              {endpointLabel(flow.server)} {flow.server.mac !== null && <code>{flow.server.mac}</code>}
            </dd>
            <dt>Class</dt>
            <dd>
              {flow.class} <span className="muted">— {flow.classBasis}</span>
            </dd>
            <dt>Traffic</dt>
            <dd>
              {formatCount(flow.packets)} packets, {formatBytes(flow.bytes)} in {formatSeconds(flow.durationSeconds)} ({flow.protocol})
            </dd>
            <dt>Path</dt>
            <dd>
              {flow.path.routed === null ? 'not determined' : flow.path.routed ? `routed${flow.path.gateway !== null ? ` through ${flow.path.gateway}` : ''}` : 'layer 2 (no gateway)'}
              {flow.path.evidence.length > 0 && (
                <ul>
                  {flow.path.evidence.map((e, i) => (
                    <li key={i}>{e}</li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>VLANs</dt>
            <dd>{flow.vlans.length > 0 ? flow.vlans.join(', ') : 'untagged'}</dd>
            {flow.encapsulation !== null && (
              <>
                <dt>Encapsulation</dt>
                <dd>
                  {flow.encapsulation.kind}
                  {flow.encapsulation.session !== null ? ` session ${flow.encapsulation.session}` : ''} from {flow.encapsulation.outer.src ?? '?'} to {flow.encapsulation.outer.dst ?? '?'}
                </dd>
              </>
            )}
            <dt>Frames</dt>
            <dd>
              capture {flow.capture + 1}, frames {flow.frames.first}–{flow.frames.last}
              {flow.frames.syn !== null ? `, SYN ${flow.frames.syn}` : ''}
              {flow.frames.fin !== null ? `, FIN ${flow.frames.fin}` : ''}
              {flow.frames.rst !== null ? `, RST ${flow.frames.rst}` : ''}
            </dd>
          </dl>
          <Direction title="Client → server" d={flow.directions.clientToServer} />
          <Direction title="Server → client" d={flow.directions.serverToClient} />
          <PacketActions selection={{ analysisId, flowId }} what={`flow ${flowId}`} />
        </>
      )}
    </aside>
  );
}

function Direction({ title, d }: { title: string; d: DirectionRecord }) {
  return (
    <section className="direction" aria-label={title}>
      <h3>{title}</h3>
      <p>
        {formatCount(d.packets)} packets, {formatBytes(d.bytes)}
        {d.ttl !== null && ` · TTL ${d.ttl.min === d.ttl.max ? d.ttl.min : `${d.ttl.min}–${d.ttl.max}`} (frame ${d.ttl.minFrame})`}
        {d.retransmittedBytes !== null && d.retransmittedBytes > 0 && ` · ${formatBytes(d.retransmittedBytes)} retransmitted`}
      </p>
      {d.macs.length > 0 && (
        <ul className="macs">
          {d.macs.map((m, i) => (
            <li key={i}>
              <code>{m.src}</code> → <code>{m.dst ?? '?'}</code> {formatCount(m.packets)} packets from frame {m.firstFrame}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
