import fs from 'node:fs';
import path from 'node:path';

/** Where Electron keeps its executable inside a build folder, per platform. */
export function electronExecutableIn(dir: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return path.join(dir, 'electron.exe');
  if (platform === 'darwin') return path.join(dir, 'Electron.app', 'Contents', 'MacOS', 'Electron');
  return path.join(dir, 'electron');
}

/**
 * The Electron binary to launch, or why there is none. ELECTRON_OVERRIDE_DIST_PATH (a folder with
 * an Electron build) wins; otherwise the binary the electron package downloads on first use,
 * which needs network access to Electron's release server. This never triggers that download
 * (requiring the package would).
 */
export function findElectron(repoRoot: string, env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = fs.existsSync): { binary: string } | { missing: string } {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override !== undefined && override !== '') {
    const binary = electronExecutableIn(override);
    return exists(binary) ? { binary } : { missing: `ELECTRON_OVERRIDE_DIST_PATH=${override} holds no Electron executable (${binary})` };
  }
  const pkg = path.join(repoRoot, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!exists(pkg)) return { missing: 'the electron package is not installed (npm install)' };
  if (!exists(pathFile)) return { missing: "Electron's runtime was never downloaded (node_modules/electron/dist is missing; npx install-electron fetches it where the network allows, or set ELECTRON_OVERRIDE_DIST_PATH)" };
  const binary = path.join(pkg, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return exists(binary) ? { binary } : { missing: `Electron's runtime is incomplete (${binary} is missing)` };
}
