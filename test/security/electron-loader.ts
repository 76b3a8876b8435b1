/**
 * A module loader hook (module.register) that hands the Electron main process a stand-in for
 * `electron`: electron-main.test.ts runs the real dist/electron/main.js without an Electron binary.
 */
const STUB = new URL('./electron-stub.js', import.meta.url).href;

type Resolved = { url: string; shortCircuit?: boolean };

export async function resolve(specifier: string, context: unknown, next: (specifier: string, context: unknown) => Promise<Resolved>): Promise<Resolved> {
  return specifier === 'electron' ? { url: STUB, shortCircuit: true } : next(specifier, context);
}
