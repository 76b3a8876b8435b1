import { createRoot } from 'react-dom/client';
import type { VmkscopeBridge } from '../../core/contract/bridge.js';
import { App } from './App.js';
import { browserHost, sessionToken } from './client/browser-host.js';
import { electronHost } from './client/electron-host.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
// The desktop app's preload puts the bridge here; a plain browser has none and uses the server.
const bridge = (window as unknown as { vmkscope?: VmkscopeBridge }).vmkscope;
const token = bridge === undefined ? sessionToken() : null;

if (bridge !== undefined) root.render(<App host={electronHost(bridge)} />);
else if (token !== null) root.render(<App host={browserHost(token)} />);
else
  root.render(
    <main className="view" role="alert">
      <h1>vmkscope</h1>
      <p>This page needs the address <code>vmkscope serve</code> printed, with its <code>?token=…</code>: open that URL.</p>
    </main>,
  );
