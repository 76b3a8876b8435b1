/**
 * The desktop shell's hardening as data and plain functions (Electron's security checklist), so
 * the tests check them without an Electron binary and main.ts only wires them in.
 */

/** The renderer is served from this origin by a privileged custom protocol, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'vmkscope';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** BrowserWindow webPreferences: no Node in the page, an isolated preload, Chromium's sandbox. */
export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

/** The page's own scripts and styles, nothing from the network: the engine is reached over IPC only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Whether a URL is one of the app's own pages. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    // A custom scheme's origin is opaque in WHATWG URL ('null'): compare scheme and host instead.
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** What Electron tells about the frame that sent an IPC message. */
export interface SenderFrame {
  url: string;
  /** Null for a top-level frame. */
  parent: unknown;
}

/**
 * IPC is answered only for the top frame of one of our windows showing one of our pages: not an
 * iframe, not a page the window was somehow navigated to.
 */
export function isTrustedSender(frame: SenderFrame | null | undefined, fromOurWindow: boolean): boolean {
  return fromOurWindow && frame !== null && frame !== undefined && frame.parent === null && isAppUrl(frame.url);
}

/** Navigation away from the app, in any frame, is refused (a link in a report, a dropped file). */
export function isNavigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/** Every permission request (camera, notifications, clipboard, HID...) is refused: the app needs none. */
export function isPermissionGranted(_permission: string): boolean {
  return false;
}

/**
 * The file an app:// request names inside the renderer folder, or null for a path that leaves it
 * (`..`, encoded slashes) or a request for another host.
 */
export function appFileFor(url: string, rendererDir: string, join: (...p: string[]) => string): string | null {
  if (!isAppUrl(url)) return null;
  const pathname = decodeURIComponent(new URL(url).pathname);
  if (pathname.split('/').some((part) => part === '..' || part.includes('\\')) || pathname.includes('\0')) return null;
  return join(rendererDir, pathname === '/' ? 'index.html' : pathname.slice(1));
}
