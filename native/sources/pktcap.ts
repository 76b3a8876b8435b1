/**
 * Capturing on an ESXi host over ssh: the pktcap-uw command line, built only from checked
 * fields, and ssh's argument vector (docs/live-capture.md). ssh joins the remote command into one
 * string that the host's shell runs, so every field is matched against a strict pattern before
 * anything starts, and the one free-form field (the BPF filter) is single-quoted after its
 * characters were checked. Locally no shell is involved: ssh is started with an argument vector.
 */
import { UsageError } from '../../core/contract/errors.js';

export interface EsxiCapture {
  /** user@host (or host): the ssh destination. */
  target: string;
  /** One of uplink (vmnicN) and vmk (vmkN): the capture point. */
  uplink?: string;
  vmk?: string;
  /** pktcap-uw --dir: 0 input, 1 output, 2 both. */
  direction: 0 | 1 | 2;
  /** A BPF expression (pktcap-uw --rcf). */
  filter?: string;
  snaplen?: number;
  packets?: number;
}

/** A login name, then a host name, an IPv4 or an IPv6 address: nothing a shell or ssh would read as more. */
const TARGET = /^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}@)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})$/;
/** Physical NICs are vmnicN; USB NICs (the USB NIC Fling, ESXi 7+) vusbN. */
const UPLINK = /^(?:vmnic|vusb)\d{1,4}$/;
const VMK = /^vmk\d{1,4}$/;
/**
 * What a BPF expression needs (names, numbers, addresses, operators, brackets) and nothing a
 * shell would act on inside single quotes or outside them: no quotes, $, `, \, ;, newlines.
 */
const FILTER = /^[A-Za-z0-9 .:/()!&|<>=[\]+*%^-]{1,1024}$/;

/**
 * The SSH session itself crosses the management vmk, often on the uplink being captured: left
 * in, each captured packet would make ssh send more (vsphere-traffic.md 5.3; VMware's own
 * govmomi wireshark-esx.sh excludes port 22 the same way).
 */
const NOT_SSH = 'not tcp port 22';

function check(value: string, pattern: RegExp, what: string, expected: string): string {
  if (!pattern.test(value)) throw new UsageError(`${what} ${JSON.stringify(value)} is not ${expected}`);
  return value;
}

export function checkTarget(target: string): string {
  return check(target, TARGET, '--ssh', 'an ssh destination (user@host, host, an IPv4 or IPv6 address)');
}

/**
 * The pktcap-uw command run on the host, as the words of one line (vsphere-traffic.md 5.1):
 * the capture point (--uplink or --vmk), --dir, the filter with SSH excluded (--rcf, ESXi 7.0+),
 * the snap length and count when given, and `-o -` to write classic pcap to stdout. pcap rather
 * than --ng: `pktcap-uw ... -o -` piped into tcpdump-uw is the documented pattern, the pcapng
 * stream to stdout is not.
 */
export function pktcapCommand(c: EsxiCapture): string[] {
  if ((c.uplink === undefined) === (c.vmk === undefined)) throw new UsageError('--ssh needs one capture point: --uplink vmnicN or --vmk vmkN');
  const words = ['pktcap-uw'];
  if (c.uplink !== undefined) words.push('--uplink', check(c.uplink, UPLINK, '--uplink', 'an uplink name (vmnicN)'));
  else words.push('--vmk', check(c.vmk!, VMK, '--vmk', 'a VMkernel adapter name (vmkN)'));
  if (c.direction !== 0 && c.direction !== 1 && c.direction !== 2) throw new UsageError(`--dir must be 0 (input), 1 (output) or 2 (both), not ${String(c.direction)}`);
  words.push('--dir', String(c.direction));
  const filter = c.filter === undefined ? NOT_SSH : `(${check(c.filter, FILTER, '--filter', 'a BPF expression vmkscope can pass to the host (letters, digits, spaces and . : / ( ) ! & | < > = [ ] + * % ^ - only)')}) and ${NOT_SSH}`;
  words.push('--rcf', `'${filter}'`);
  if (c.snaplen !== undefined) words.push('--snapLen', String(positiveInteger(c.snaplen, '--snaplen')));
  if (c.packets !== undefined) words.push('--count', String(positiveInteger(c.packets, '--packets')));
  words.push('-o', '-');
  return words;
}

function positiveInteger(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} must be a whole number above 0, not ${n}`);
  return n;
}

/**
 * ssh's argument vector: no terminal (-T: the stream is binary), batch mode (the user's agent or
 * keys only; a password or passphrase prompt would hang a capture nobody watches), a connect
 * timeout and keep-alives so an unreachable or vanished host ends the capture with a reason, `--`
 * so the destination can never be read as an option.
 */
export function sshArgv(c: EsxiCapture): string[] {
  return ['ssh', '-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=10', '--', checkTarget(c.target), pktcapCommand(c).join(' ')];
}

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as a POSIX shell would need it, to show a command the user can paste. */
export function shellWord(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  if (!/["$`\\!]/.test(word)) return `"${word}"`;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function shellLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

/** The host part of an ssh destination. */
function hostOf(target: string): string {
  return target.slice(target.indexOf('@') + 1);
}

/**
 * What went wrong, in one line, from ssh's exit status and the last lines it (or the remote
 * command) wrote to stderr. ssh itself exits 255 on its own errors; otherwise the status is the
 * remote command's (a shell's 127: command not found).
 */
export function explainSshFailure(target: string, code: number | null, signal: string | null, stderr: string[]): string {
  const host = hostOf(target);
  const find = (pattern: RegExp): string | undefined => stderr.find((l) => pattern.test(l));
  const said = (line: string | undefined): string => (line === undefined ? '' : ` (${line.trim()})`);
  let line = find(/Could not resolve hostname/i);
  if (line) return `cannot reach ${host}: its name does not resolve${said(line)}`;
  line = find(/Connection refused|timed out|No route to host|Network is unreachable|Connection closed|Connection reset|Broken pipe/i);
  if (line && code === 255) return `lost or could not open the ssh connection to ${host}${said(line)}`;
  line = find(/Permission denied|Too many authentication failures/i);
  if (line) return `${host} refused the login${said(line)}: vmkscope runs ssh in batch mode with your ssh agent and keys; load a key the host accepts (ssh-add), or enable key login for ${target}`;
  line = find(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i);
  if (line) return `the host key of ${host} is not known or has changed${said(line)}: connect once with "ssh ${target}" to check and accept it`;
  line = find(/pktcap-uw.*not found|not found.*pktcap-uw/i);
  if (line || code === 127) return `pktcap-uw was not found on ${host}${said(line)}: is it an ESXi host (pktcap-uw ships with ESXi 5.5 and later)?`;
  const last = stderr.at(-1);
  if (signal !== null) return `ssh to ${host} was stopped by ${signal}${said(last)}`;
  if (code === 255) return `ssh to ${host} failed${said(last)}`;
  return `pktcap-uw on ${host} exited with status ${code}${said(last)}`;
}
