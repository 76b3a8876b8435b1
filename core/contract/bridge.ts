/**
 * What the desktop shell adds to the engine for the renderer: saving files where the user
 * chooses, printing to PDF, handing packets to Wireshark. In Electron these run in the main
 * process behind the preload's named functions; in browser mode the renderer does the same with
 * downloads and the print dialog. The preload exposes `window.vmkscope` as VmkscopeBridge.
 */
import type { AppApi, AppEvent, AppOperation } from './app-api.js';
import type { CarveResult, EngineEvents, ExportRequest } from './engine-api.js';

export const SHELL_OPERATIONS = ['saveExport', 'savePdf', 'savePackets', 'openInWireshark'] as const;
export type ShellOperation = (typeof SHELL_OPERATIONS)[number];

/** The packets of one flow or of the flows one finding names. */
export interface PacketSelection {
  analysisId: number;
  flowId?: string;
  findingId?: string;
}

export interface ShellApi {
  /** Export and save where the user chooses; answers with where it went, or null if they cancelled. */
  saveExport(request: ExportRequest): Promise<string | null>;
  /** The HTML report printed to PDF and saved where the user chooses. */
  savePdf(analysisId: number): Promise<string | null>;
  /** The selection's packets as a pcap saved where the user chooses. */
  savePackets(selection: PacketSelection): Promise<CarveResult | null>;
  /** The selection's packets as a pcap opened with the system's pcap viewer (Wireshark). */
  openInWireshark(selection: PacketSelection): Promise<CarveResult>;
}

export interface VmkscopeBridge {
  engine: { [K in AppOperation]: AppApi[K] };
  events: { [E in AppEvent]: (listener: (payload: EngineEvents[E]) => void) => () => void };
  shell: ShellApi & {
    /** The path of a file the user dropped or picked (Electron's webUtils.getPathForFile). */
    pathForFile(file: unknown): string;
  };
}

/** IPC channel names, made from the operation and event lists, so preload and main agree by construction. */
export const ipcChannel = {
  engine: (operation: AppOperation): string => `vmkscope:engine:${operation}`,
  shell: (operation: ShellOperation): string => `vmkscope:shell:${operation}`,
  event: (event: AppEvent): string => `vmkscope:event:${event}`,
};
