import fs from 'node:fs';
import { UsageError } from '../../core/contract/errors.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import { buildHosts, siteInventory } from '../../core/synth/topology.js';
import { SCENARIOS, type ScenarioName } from '../../core/synth/scenario.js';
import { writeGeneratedCapture } from '../synth/write-capture.js';
import { outputError } from './output-error.js';
import { parseCommandArgs } from './args.js';

/** A size like 1000, 5e6, 1G, 512M, 64k (decimal units, as capture sizes are quoted). */
export function parseCount(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmMgGtT]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`${what} must be a number such as 5000000, 5e6 or 1G (got "${text}")`);
  const unit = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }[m[2].toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

export async function runGenerate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    scenario: { type: 'string', default: 'esxi-mix' },
    packets: { type: 'string' },
    bytes: { type: 'string' },
    format: { type: 'string', default: 'pcap' },
    ns: { type: 'boolean' },
    'big-endian': { type: 'boolean' },
    gzip: { type: 'boolean' },
    vlan: { type: 'boolean' },
    erspan: { type: 'string' },
    snaplen: { type: 'string' },
    loss: { type: 'string' },
    seed: { type: 'string' },
    hosts: { type: 'string' },
    scale: { type: 'string' },
    flows: { type: 'string' },
    'inventory-out': { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length > 0) throw new UsageError(`generate takes no positional arguments (got "${positionals[0]}")`);
  if (!SCENARIOS.includes(values.scenario as ScenarioName)) throw new UsageError(`unknown scenario "${values.scenario}" (known: ${SCENARIOS.join(', ')})`);
  if (values.format !== 'pcap' && values.format !== 'pcapng') throw new UsageError('--format must be pcap or pcapng');
  if (values.packets === undefined && values.bytes === undefined) throw new UsageError('generate needs --packets N or --bytes N');
  const erspan = values.erspan === undefined ? 0 : Number(values.erspan);
  if (![0, 1, 2, 3].includes(erspan)) throw new UsageError('--erspan must be 1, 2 or 3');
  const loss = values.loss === undefined ? 0 : Number(values.loss);
  if (!(loss >= 0 && loss < 1)) throw new UsageError('--loss must be a fraction in [0, 1)');
  const output = values.output ?? '-';
  const hosts = values.hosts === undefined ? 4 : parseCount(values.hosts, '--hosts');
  if (output === '-' && process.stdout.isTTY) throw new UsageError('refusing to write a capture to a terminal: use -o FILE or a pipe');
  const result = await writeGeneratedCapture(
    {
      scenario: values.scenario as ScenarioName,
      packets: values.packets === undefined ? undefined : parseCount(values.packets, '--packets'),
      bytes: values.bytes === undefined ? undefined : parseCount(values.bytes, '--bytes'),
      format: values.format,
      nanosecond: values.ns ?? false,
      bigEndian: values['big-endian'] ?? false,
      vlan: values.vlan ?? false,
      erspan: erspan as 0 | 1 | 2 | 3,
      snaplen: values.snaplen === undefined ? 0 : parseCount(values.snaplen, '--snaplen'),
      loss,
      seed: values.seed === undefined ? 1 : parseCount(values.seed, '--seed'),
      hosts,
      scale: values.scale === undefined ? 1 : Number(values.scale),
      flows: values.flows === undefined ? 1024 : parseCount(values.flows, '--flows'),
    },
    output,
    values.gzip ?? false,
  ).catch((err: unknown) => {
    throw output === '-' ? err : outputError(output, err);
  });
  if (output !== '-') process.stderr.write(`vmkscope: wrote ${result.packets} packets (${result.bytes} bytes) to ${output}\n`);
  const inventoryOut = values['inventory-out'];
  if (inventoryOut !== undefined) {
    // The generated site described as an admin would import it, to verify the capture against.
    fs.writeFileSync(inventoryOut, inventoryToYaml(siteInventory(buildHosts(hosts))));
  }
  return 0;
}
