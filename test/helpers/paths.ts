import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/test/helpers/paths.js). */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export function repoPath(...parts: string[]): string {
  return path.join(REPO_ROOT, ...parts);
}

/** The vmkscope CLI as built by `tsc -b`. */
export const CLI = repoPath('dist/native/cli/main.js');

export const CORPUS = repoPath('test/corpus');
