/**
 * What an importer works with: the section it parses, and a context that places problems in the
 * file and finds the host its data belongs to.
 */
import type { HostFacts, InventoryBuilder, Origin, VmkFacts } from '../builder.js';
import type { Section } from '../transcript.js';

/** One source format: a detector (from content only, never the file name) and a parser. */
export interface Importer {
  /** The format's name, as messages list the known formats. */
  readonly format: string;
  detect(section: Section): boolean;
  parse(section: Section, context: ImportContext): void;
}

/** The host name a file name gives: its base name without extensions (`esx01.ipv4.txt` is esx01). */
function hostNameFromFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.split('.')[0];
}

export class ImportContext {
  private fallbackHost: HostFacts | null | undefined;

  constructor(
    readonly builder: InventoryBuilder,
    readonly file: string,
  ) {}

  origin(line: number | null): Origin {
    return { file: this.file, line };
  }

  problem(line: number | null, message: string): void {
    this.builder.problem(this.origin(line), message);
  }

  warning(line: number | null, message: string): void {
    this.builder.warning(this.origin(line), message);
  }

  /**
   * The host data at `line` belongs to: the name the data gives (a VMHost column), else the host
   * of the section's command (the prompt, govc -host), else the file's name, with a warning.
   * Null when none is known (standard input without a host name): a problem says so.
   */
  host(section: Section, line: number, named: string | null = null): HostFacts | null {
    const name = named ?? section.command?.host ?? null;
    if (name !== null) return this.builder.host(name, this.origin(line));
    if (this.fallbackHost === undefined) {
      const fromFile = hostNameFromFile(this.file);
      if (this.file === '-' || fromFile === '') {
        this.problem(line, 'no host name in the input (no shell prompt, VMHost column or govc -host) and no file name to take it from; paste the prompt lines or save the output as <host>.txt');
        this.fallbackHost = null;
      } else {
        this.warning(line, `no host name in the input (no shell prompt, VMHost column or govc -host): using "${fromFile}" from the file name`);
        this.fallbackHost = this.builder.host(fromFile, this.origin(line));
      }
    }
    return this.fallbackHost;
  }

  /** The vmk `device` of the host at `line`, or null (with a problem) when it is not a vmk name. */
  vmk(section: Section, line: number, device: string, hostName: string | null = null): VmkFacts | null {
    if (!/^vmk\d+$/.test(device)) {
      this.problem(line, `${device === '' ? 'an empty name' : device} is not a vmkernel adapter name (vmk0, vmk1, ...)`);
      return null;
    }
    return this.host(section, line, hostName)?.vmk(device, this.origin(line)) ?? null;
  }
}
