/**
 * The bridge between the sandboxed page and the main process: `window.vmkscope`, one named
 * function per operation and event, made from the contract's lists (bundled into preload.cjs,
 * since a sandboxed preload cannot load modules). Nothing generic such as invoke(channel) is
 * exposed: the page can only ask for the operations that exist.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { APP_EVENTS, APP_OPERATIONS } from '../core/contract/app-api.js';
import { ipcChannel, SHELL_OPERATIONS, type VmkscopeBridge } from '../core/contract/bridge.js';

const engine = Object.fromEntries(APP_OPERATIONS.map((op) => [op, (...args: unknown[]) => ipcRenderer.invoke(ipcChannel.engine(op), ...args)]));
const events = Object.fromEntries(
  APP_EVENTS.map((event) => [
    event,
    (listener: (payload: unknown) => void) => {
      const channel = ipcChannel.event(event);
      // The IPC event object (with its sender) never reaches the page: only the payload.
      const relay = (_e: unknown, payload: unknown) => listener(payload);
      ipcRenderer.on(channel, relay);
      return () => void ipcRenderer.removeListener(channel, relay);
    },
  ]),
);
const shell = {
  ...Object.fromEntries(SHELL_OPERATIONS.map((op) => [op, (...args: unknown[]) => ipcRenderer.invoke(ipcChannel.shell(op), ...args)])),
  pathForFile: (file: unknown) => webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]),
};

contextBridge.exposeInMainWorld('vmkscope', { engine, events, shell } as unknown as VmkscopeBridge);
