import { useState } from 'react';
import type { PacketSelection } from '../../../core/contract/bridge.js';
import { useApp } from '../app-context.js';
import { formatBytes, formatCount } from './format.js';

/** "Save packets as pcap" and "Open in Wireshark" for one flow or the flows of one finding. */
export function PacketActions({ selection, what }: { selection: PacketSelection; what: string }) {
  const { host, notify } = useApp();
  const [busy, setBusy] = useState(false);
  const run = async (action: 'savePackets' | 'openInWireshark') => {
    setBusy(true);
    try {
      const result = await host[action](selection);
      if (result !== null) {
        const where = host.mode === 'browser' ? 'downloaded' : action === 'openInWireshark' ? 'opened' : `saved to ${result.output}`;
        notify(`${formatCount(result.packets)} packets (${formatBytes(result.bytes)}) of ${what} ${where}`);
      }
    } catch (err) {
      notify(`${what}: ${(err as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="packet-actions">
      <button type="button" disabled={busy} onClick={() => void run('savePackets')} aria-label={`Save packets of ${what} as pcap`}>
        Save packets as pcap
      </button>
      <button
        type="button"
        disabled={busy}
        onClick={() => void run('openInWireshark')}
        aria-label={`Open ${what} in Wireshark`}
        title={host.mode === 'browser' ? 'Downloads the pcap; open it from the browser’s downloads to hand it to Wireshark' : 'Opens the packets with the system’s pcap viewer'}
      >
        Open in Wireshark
      </button>
    </span>
  );
}
