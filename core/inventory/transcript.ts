/**
 * Splits pasted text into the outputs of single commands. An ssh session transcript has prompts
 * such as `[root@esx01:~] esxcli network ip interface list` that name the host and the command;
 * each output runs to the next prompt. Text without prompts is one output of an unknown command.
 */

export interface CommandLine {
  /** The command as typed, without the prompt. */
  text: string;
  line: number;
  /** The ESXi host it ran on (the prompt's host), or the host govc was pointed at with -host. */
  host: string | null;
  /** The vmk it was limited to (`-i vmk1`, `-n vmk1`, `--interfacename=vmk1`). */
  vmk: string | null;
}

export interface Section {
  /** Output lines of one command. */
  lines: string[];
  /** 1-based line number of lines[0] in the file. */
  firstLine: number;
  command: CommandLine | null;
}

/** ESXi's shell prompt, PS1 `[\u@\h:\w]`: `[root@esx01:~] `. */
const ESXI_PROMPT = /^\[[^@\]\s]+@([^:\]\s]+):[^\]]*\]\s?(.*)$/;

/** Tools whose command lines are recognised after another prompt (`~ # `, `$ `) or none. */
const TOOLS = ['esxcli', 'localcli', 'esxcfg-vmknic', 'vmware', 'govc'];
const OTHER_PROMPT = new RegExp(`^(?:\\S*\\s?[#$>] +)?((?:${TOOLS.join('|')})(?:\\s.*)?)$`);

/** Whether a command runs one of the tools whose output vmkscope reads. */
export function isToolCommand(text: string): boolean {
  return TOOLS.includes(text.trim().split(/\s+/)[0]);
}

function commandLine(text: string, line: number, promptHost: string | null): CommandLine {
  const words = text.trim().split(/\s+/);
  const vmk = words.map((w) => /^(?:--?[\w-]+=)?(vmk\d+)$/.exec(w)?.[1]).find((v) => v !== undefined) ?? null;
  // govc runs on a workstation and talks to vCenter: the host is its -host flag, not the prompt's.
  let host = promptHost;
  if (words[0] === 'govc') {
    const i = words.findIndex((w) => /^--?host(=|$)/.test(w));
    host = i < 0 ? null : words[i].includes('=') ? words[i].slice(words[i].indexOf('=') + 1) : (words[i + 1] ?? null);
  }
  return { text: text.trim(), line, host, vmk };
}

export function splitTranscript(text: string): Section[] {
  const lines = text.split('\n');
  const sections: Section[] = [{ lines: [], firstLine: 1, command: null }];
  lines.forEach((line, i) => {
    const esxi = ESXI_PROMPT.exec(line);
    const other = esxi ? null : OTHER_PROMPT.exec(line);
    if (!esxi && !other) {
      sections[sections.length - 1].lines.push(line);
      return;
    }
    const typed = esxi ? esxi[2] : other![1];
    const command = typed.trim() === '' ? null : commandLine(typed, i + 1, esxi ? esxi[1] : null);
    sections.push({ lines: [], firstLine: i + 2, command });
  });
  return sections;
}

/** The section's lines without leading and trailing blank lines, with their line numbers. */
export function contentLines(section: Section): { text: string; line: number }[] {
  const out = section.lines.map((text, i) => ({ text, line: section.firstLine + i }));
  while (out.length > 0 && out[0].text.trim() === '') out.shift();
  while (out.length > 0 && out[out.length - 1].text.trim() === '') out.pop();
  return out;
}
