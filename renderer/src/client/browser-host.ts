import { isAppEvent, RemoteError, type AppEvent, type AppOperation, type WireError } from '../../../core/contract/app-api.js';
import type { PacketSelection } from '../../../core/contract/bridge.js';
import type { EngineEvents } from '../../../core/contract/engine-api.js';
import type { Host } from './desktop.js';
import { engineClient } from './engine-client.js';

/** The token `vmkscope serve` printed in the URL, kept for the tab's life so a reload still works. */
export function sessionToken(): string | null {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl !== null) sessionStorage.setItem('vmkscope-token', fromUrl);
  return fromUrl ?? sessionStorage.getItem('vmkscope-token');
}

type Listener = (payload: unknown) => void;

/**
 * Browser mode: operations as POST /api/call/<operation>, events over one WebSocket (reopened if
 * it drops), files uploaded into the server's run folder, results downloaded.
 */
export function browserHost(token: string): Host {
  const auth = { Authorization: `Bearer ${token}` };

  async function answer<T>(response: Response): Promise<T> {
    const body = (await response.json().catch(() => ({ error: { name: 'Error', message: `${response.status} ${response.statusText}` } }))) as { value?: T; error?: WireError };
    if (body.error !== undefined) throw new RemoteError(body.error);
    return body.value as T;
  }

  const call = async (operation: AppOperation, args: unknown[]): Promise<unknown> =>
    answer(await fetch(`api/call/${operation}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ args }) }));

  const listeners = new Map<AppEvent, Set<Listener>>();
  let retryMs = 250;
  const connect = (): void => {
    const url = new URL('api/events', location.href);
    url.protocol = 'ws:';
    url.search = `?token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url);
    socket.onopen = () => (retryMs = 250);
    socket.onmessage = (m) => {
      const { event, payload } = JSON.parse(String(m.data)) as { event: unknown; payload: unknown };
      if (isAppEvent(event)) for (const l of listeners.get(event) ?? []) l(payload);
    };
    socket.onclose = () => {
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  const api = engineClient(call, <E extends AppEvent>(event: E, listener: (payload: EngineEvents[E]) => void) => {
    const set = listeners.get(event) ?? new Set<Listener>();
    listeners.set(event, set);
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  });

  const download = (blob: Blob, filename: string): void => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  };

  async function carveAndDownload(selection: PacketSelection) {
    const session = await answer<{ outputDir: string }>(await fetch('api/session', { headers: auth }));
    const name = `vmkscope-${selection.analysisId}-${selection.findingId ?? selection.flowId ?? 'packets'}.pcap`;
    const result = await api.carve({ ...selection, output: `${session.outputDir}/${name}` });
    const response = await fetch(`api/download?path=${encodeURIComponent(result.output)}`, { headers: auth });
    if (!response.ok) await answer(response);
    download(await response.blob(), name);
    return result;
  }

  return {
    mode: 'browser',
    api,
    async stageFiles(files) {
      const paths: string[] = [];
      for (const file of files) {
        const response = await fetch(`api/upload?name=${encodeURIComponent(file.name)}`, { method: 'PUT', headers: auth, body: file });
        paths.push((await answer<{ path: string }>(response)).path);
      }
      return paths;
    },
    async saveExport(request) {
      const result = await api.exportReport(request);
      const files = typeof result.content === 'string' ? { [result.filename]: result.content } : result.content;
      for (const [name, content] of Object.entries(files)) download(new Blob([content], { type: result.mime }), name);
      return Object.keys(files).join(', ');
    },
    async savePdf(analysisId) {
      // The report is its own page (no script, its own CSP); the browser's print dialog saves the PDF.
      const page = window.open(`report?analysis=${analysisId}&token=${encodeURIComponent(token)}`, '_blank');
      if (page === null) throw new Error('the browser blocked the report window: allow pop-ups for this page');
      page.addEventListener('load', () => page.print());
      return null;
    },
    savePackets: carveAndDownload,
    openInWireshark: carveAndDownload,
  };
}
