import type { AppApi } from '../../../core/contract/app-api.js';
import type { ShellApi } from '../../../core/contract/bridge.js';

/**
 * The engine plus what differs between the desktop app and a browser: how a picked file becomes a
 * path the engine can read (Electron knows the path; a browser uploads the file), and how results
 * are saved (save dialogs or downloads).
 */
export interface Host extends ShellApi {
  mode: 'electron' | 'browser';
  api: AppApi;
  /** Paths the engine can read for files the user picked or dropped. */
  stageFiles(files: File[]): Promise<string[]>;
}
