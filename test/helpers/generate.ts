import { CaptureGenerator, type GeneratorOptions } from '../../core/synth/generator.js';

/** A generated capture in memory, with the generator's own counts to check a reader against. */
export function generate(options: Partial<GeneratorOptions>): { data: Buffer; generator: CaptureGenerator } {
  const generator = new CaptureGenerator(options);
  const parts: Buffer[] = [];
  const buf = new Uint8Array(4 * 1024 * 1024);
  for (let n = generator.fill(buf); n > 0; n = generator.fill(buf)) parts.push(Buffer.from(buf.subarray(0, n)));
  return { data: Buffer.concat(parts), generator };
}
