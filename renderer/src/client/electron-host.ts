import type { AppOperation } from '../../../core/contract/app-api.js';
import type { VmkscopeBridge } from '../../../core/contract/bridge.js';
import type { Host } from './desktop.js';
import { engineClient } from './engine-client.js';

/** The desktop app: the preload's named functions, reached through `window.vmkscope`. */
export function electronHost(bridge: VmkscopeBridge): Host {
  const api = engineClient(
    (operation: AppOperation, args: unknown[]) => (bridge.engine[operation] as (...a: unknown[]) => Promise<unknown>)(...args),
    (event, listener) => bridge.events[event](listener),
  );
  return {
    mode: 'electron',
    api,
    stageFiles: async (files) => files.map((f) => bridge.shell.pathForFile(f)),
    saveExport: (request) => bridge.shell.saveExport(request),
    savePdf: (analysisId) => bridge.shell.savePdf(analysisId),
    savePackets: (selection) => bridge.shell.savePackets(selection),
    openInWireshark: (selection) => bridge.shell.openInWireshark(selection),
  };
}
