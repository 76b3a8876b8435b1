/**
 * What electron/main.ts uses of Electron, recorded: the windows it opens and how, the handlers it
 * installs on sessions, protocols, IPC and every web contents, the files it loads, the shell
 * calls it makes. The engine process answers calls with canned results.
 */
type Listener = (...args: never[]) => unknown;

export const recorded = {
  privilegedSchemes: [] as unknown[],
  sandboxEnabled: false,
  appListeners: new Map<string, Listener[]>(),
  permissionRequest: null as null | ((wc: unknown, permission: string, callback: (granted: boolean) => void, details?: unknown) => void),
  permissionCheck: null as null | ((wc: unknown, permission: string) => boolean),
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  ipcHandlers: new Map<string, Listener>(),
  windows: [] as FakeWindow[],
  engineCalls: [] as { operation: string; args: unknown[] }[],
  shellCalls: [] as unknown[][],
  dialogs: [] as unknown[][],
  /** What a save dialog answers (null: the user cancels). */
  savePath: null as string | null,
};

export class FakeContents {
  readonly listeners = new Map<string, Listener[]>();
  windowOpenHandler: ((details: { url: string }) => unknown) | null = null;
  readonly sent: unknown[][] = [];
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.windowOpenHandler = handler;
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  async printToPDF(): Promise<Buffer> {
    return Buffer.from('%PDF-1.4');
  }
  /** Emit an event as Electron would; true when a listener called preventDefault(). */
  emit(event: string, ...args: unknown[]): boolean {
    let prevented = false;
    const e = { preventDefault: () => (prevented = true) };
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(e, ...args);
    return prevented;
  }
}

export class FakeWindow {
  readonly webContents = new FakeContents();
  readonly loaded: string[] = [];
  destroyed = false;
  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    recorded.windows.push(this);
  }
  on(): this {
    return this;
  }
  once(): this {
    return this;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  async loadFile(file: string): Promise<void> {
    this.loaded.push(`file://${file}`);
  }
  show(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  static getFocusedWindow(): FakeWindow | null {
    return recorded.windows[0] ?? null;
  }
  static getAllWindows(): FakeWindow[] {
    return recorded.windows.filter((w) => !w.destroyed);
  }
}

export const BrowserWindow = FakeWindow;

export const app = {
  enableSandbox(): void {
    recorded.sandboxEnabled = true;
  },
  whenReady(): Promise<void> {
    return Promise.resolve();
  },
  on(event: string, listener: Listener): void {
    recorded.appListeners.set(event, [...(recorded.appListeners.get(event) ?? []), listener]);
  },
  quit(): void {},
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    recorded.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    recorded.protocolHandlers.set(scheme, handler);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: typeof recorded.permissionRequest): void {
      recorded.permissionRequest = handler;
    },
    setPermissionCheckHandler(handler: typeof recorded.permissionCheck): void {
      recorded.permissionCheck = handler;
    },
  },
};

export const ipcMain = {
  handle(channel: string, handler: Listener): void {
    recorded.ipcHandlers.set(channel, handler);
  },
};

export const dialog = {
  async showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> {
    recorded.dialogs.push(args);
    return recorded.savePath === null ? { canceled: true } : { canceled: false, filePath: recorded.savePath };
  },
  async showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    recorded.dialogs.push(args);
    return { canceled: true, filePaths: [] };
  },
};

export const shell = {
  async openPath(file: string): Promise<string> {
    recorded.shellCalls.push(['openPath', file]);
    return '';
  },
  async openExternal(url: string): Promise<void> {
    recorded.shellCalls.push(['openExternal', url]);
  },
};

/** The engine utility process: answers carve and exportReport as the real one would. */
export const utilityProcess = {
  fork() {
    const listeners: ((m: unknown) => void)[] = [];
    return {
      postMessage(m: { kind: string; id: number; operation: string; args: unknown[] }): void {
        recorded.engineCalls.push({ operation: m.operation, args: m.args });
        const request = m.args[0] as { output?: string };
        const value =
          m.operation === 'carve' ? { output: request.output, packets: 1, flows: 1 }
          : m.operation === 'exportReport' ? { filename: 'vmkscope-analysis-1.html', mime: 'text/html', content: '<!doctype html><p>report</p>' }
          : null;
        setImmediate(() => listeners.forEach((l) => l({ kind: 'result', id: m.id, value })));
      },
      on(event: string, listener: (m: unknown) => void): void {
        if (event === 'message') listeners.push(listener);
      },
      kill(): boolean {
        return true;
      },
    };
  },
};
