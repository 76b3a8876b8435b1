import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGeneratedCapture } from './synth/write-capture.js';

/**
 * The bundled sample: a deterministic pcapng of the generator's ESXi cluster (VLAN-tagged trunk
 * view, a vMotion, a cold migration, management, storage), made on first use next to the build
 * output so the repository carries no binary fixture.
 */
export const SAMPLE_OPTIONS = { packets: 60_000, scale: 0.05, vlan: true, format: 'pcapng', nanosecond: true, seed: 1 } as const;

export async function ensureSample(): Promise<string> {
  const file = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../sample/esxi-cluster-sample.pcapng');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.partial`;
    await writeGeneratedCapture(SAMPLE_OPTIONS, partial);
    fs.renameSync(partial, file);
  }
  return file;
}
