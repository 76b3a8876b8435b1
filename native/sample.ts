import fs from 'node:fs';
import path from 'node:path';
import { inventoryToYaml } from '../core/inventory/yaml-writer.js';
import { buildHosts, siteInventory } from '../core/synth/topology.js';
import { dataDirectory } from './store/database.js';
import { writeGeneratedCapture } from './synth/write-capture.js';

/**
 * The bundled sample: a deterministic pcapng of the generator's ESXi cluster (VLAN-tagged trunk
 * view, a vMotion, a cold migration, management, storage) with the site's inventory, made on
 * first use in the per-user data folder (a packaged app's own files are read-only), so the
 * repository carries no binary fixture.
 */
export const SAMPLE_OPTIONS = { packets: 60_000, scale: 0.05, vlan: true, format: 'pcapng', nanosecond: true, seed: 1, hosts: 4 } as const;

export async function ensureSample(): Promise<{ capture: string; inventory: string }> {
  const dir = path.join(dataDirectory(), 'sample');
  const capture = path.join(dir, 'esxi-cluster-sample.pcapng');
  const inventory = path.join(dir, 'esxi-cluster-inventory.yaml');
  if (!fs.existsSync(capture) || !fs.existsSync(inventory)) {
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${capture}.${process.pid}.partial`;
    await writeGeneratedCapture(SAMPLE_OPTIONS, partial);
    fs.writeFileSync(inventory, inventoryToYaml(siteInventory(buildHosts(SAMPLE_OPTIONS.hosts))));
    fs.renameSync(partial, capture);
  }
  return { capture, inventory };
}
