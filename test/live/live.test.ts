/**
 * Live capture end to end, on real parts: network namespaces and veths (test/lab), real TCP
 * transfers between them, vmkscope capturing an interface through libpcap while tcpdump captures
 * the same interface as the reference; a command source running tcpdump -w - in a namespace; a
 * stand-in `ssh` first on PATH that checks it got an argument vector and runs tcpdump in place of
 * pktcap-uw (or prints what real ssh prints when it fails); real SQLite files read while the
 * capture writes them. Skipped with the reason where namespaces cannot be made.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureStarted } from '../../core/contract/engine-api.js';
import type { AnalysisReport, FlowRecord } from '../../core/contract/report.js';
import { AppEngine } from '../../native/host/app-engine.js';
import { dispatch } from '../../native/host/dispatch.js';
import { listNetworkInterfaces } from '../../native/sources/live-interface.js';
import { runCli } from '../helpers/cli.js';
import { CLI, REPO_ROOT, repoPath } from '../helpers/paths.js';
import { withStore } from '../helpers/store.js';
import { tempDir } from '../helpers/temp.js';
import { BLOCK_TIMEOUT_MS, startCapture } from '../lab/capture.js';
import { Lab, labUnavailable, teardownAllLabs, type Topology } from '../lab/netns.js';
import { runClient, startServer, type ConnectionSpec } from '../lab/traffic.js';

const UNAVAILABLE = labUnavailable();
if (UNAVAILABLE !== null) console.log(`# skipping live capture lab: ${UNAVAILABLE}`);
after(teardownAllLabs);

/**
 * Interface capture needs the optional pcap package built (libpcap-dev). A developer without it
 * sees those tests skipped with the reason; CI (CI=true), which installs libpcap-dev, runs them and
 * fails if the package did not build.
 */
const NO_PCAP = ((): string | null => {
  try {
    listNetworkInterfaces();
    return null;
  } catch (err) {
    return process.env.CI ? null : (err as Error).message;
  }
})();
if (NO_PCAP !== null) console.log(`# skipping interface captures: ${NO_PCAP}`);

const dir = tempDir('vmkscope-live-');
const A = { vmk1: '198.18.20.11', vmk2: '198.18.30.11' };
const B = { vmk1: '198.18.20.12', vmk2: '198.18.30.12' };
/** Two hosts: vmk1 on a vMotion segment (jumbo frames), vmk2 on a provisioning segment. */
const TOPOLOGY: Topology = {
  nodes: [
    {
      name: 'esx-a',
      interfaces: [
        { device: 'vmk1', segment: 'vmotion', mac: '00:50:56:6a:20:11', cidr: `${A.vmk1}/24`, mtu: 9000 },
        { device: 'vmk2', segment: 'prov', mac: '00:50:56:6a:30:11', cidr: `${A.vmk2}/24`, mtu: 1500 },
      ],
    },
    {
      name: 'esx-b',
      interfaces: [
        { device: 'vmk1', segment: 'vmotion', mac: '00:50:56:6b:20:12', cidr: `${B.vmk1}/24`, mtu: 9000 },
        { device: 'vmk2', segment: 'prov', mac: '00:50:56:6b:30:12', cidr: `${B.vmk2}/24`, mtu: 1500 },
      ],
    },
  ],
};
const TRAFFIC_TIMEOUT_MS = 20_000;

/** A process whose output is gathered as it comes. */
interface Running {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

function watch(child: ChildProcess): Running {
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out, exited };
}

/** vmkscope capture started outside any namespace. */
function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  return watch(spawn(process.execPath, [CLI, 'capture', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

async function until<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Resolves once vmkscope says it captures (the interface is open, the command started). */
function capturing(r: Running): Promise<true> {
  return until('"capturing from"', () => {
    if (r.child.exitCode !== null) throw new Error(`vmkscope exited ${r.child.exitCode}: ${r.out.stderr}`);
    return /capturing from/.test(r.out.stderr);
  });
}

/**
 * Resolves once a stream's first bytes reached the stored analysis (a rolling update holds its
 * capture): the command at the other end has opened its interface and is writing.
 */
function streaming(db: string): Promise<true> {
  return until('the stream in a rolling update', () => {
    if (!fs.existsSync(db)) return false;
    return withStore(db, (store) => {
      const [a] = store.list();
      return a !== undefined && store.detail(a.id).captures.length === 1;
    });
  });
}

function flowKey(f: FlowRecord): string {
  return `${f.protocol} ${f.client.ip}:${f.client.port} > ${f.server.ip}:${f.server.port}`;
}

/** Each TCP flow's packets, frame bytes and payload sent by the client. */
function tcpFlows(r: AnalysisReport): Map<string, { packets: number; bytes: number; sent: number }> {
  return new Map(r.flows.filter((f) => f.protocol === 'tcp').map((f) => [flowKey(f), { packets: f.packets, bytes: f.bytes, sent: f.directions.clientToServer.payloadBytes }]));
}

async function analyzeJson(file: string): Promise<AnalysisReport> {
  const r = await runCli(['analyze', file, '--json', '-']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return JSON.parse(r.stdout) as AnalysisReport;
}

function readReport(file: string): AnalysisReport {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as AnalysisReport;
}

/** Transfers from esx-a to esx-b: a server on each destination, the client bound to each source vmk. */
async function transfer(lab: Lab, connections: ConnectionSpec[]): Promise<{ label: string; localPort: number; sent: number; acked: number }[]> {
  const listen = [...new Map(connections.map((c) => [`${c.to}:${c.port}`, { ip: c.to, port: c.port }])).values()];
  const server = await startServer(lab, 'esx-b', { listen, connections: connections.length, timeoutMs: TRAFFIC_TIMEOUT_MS });
  const sent = await runClient(lab, 'esx-a', { connections, timeoutMs: TRAFFIC_TIMEOUT_MS });
  await server.done;
  for (const c of sent) assert.equal(c.acked, c.sent, `${c.label}: every byte arrived`);
  return sent;
}

const STAND_IN_SSH = `#!/usr/bin/env node
// Stand-in for ssh in vmkscope's tests: refuses anything but an argument vector of options, --,
// the destination and one remote command, logs what it got, then acts the host named.
const fs = require('fs');
const { spawn } = require('child_process');
const argv = process.argv.slice(2);
fs.writeFileSync(process.env.FAKE_SSH_LOG, JSON.stringify(argv));
const dd = argv.indexOf('--');
if (dd < 0 || argv.length !== dd + 3) {
  console.error('fake ssh: expected options, --, a destination and ONE remote command argument, got ' + JSON.stringify(argv));
  process.exit(99);
}
const target = argv[dd + 1];
const host = target.split('@').pop();
if (host === 'nowhere.invalid') { console.error('ssh: Could not resolve hostname ' + host + ': Name or service not known'); process.exit(255); }
if (host === 'unreachable') { console.error('ssh: connect to host ' + host + ' port 22: Connection timed out'); process.exit(255); }
if (host === 'locked') { console.error(target + ': Permission denied (publickey,keyboard-interactive).'); process.exit(255); }
if (host === 'linuxbox') { console.error('sh: 1: pktcap-uw: not found'); process.exit(127); }
if (host === 'chatty') { process.stdout.write('The time and date of this login have been sent to the system log.\\n'); process.exit(0); }
// esx01: tcpdump in the lab namespace plays pktcap-uw -o -.
const child = spawn('ip', ['netns', 'exec', process.env.FAKE_SSH_NS, 'tcpdump', '-i', process.env.FAKE_SSH_IF, '-s', '0', '-B', '16384', '-U', '-n', '-w', '-'], { stdio: ['ignore', 'inherit', 'ignore'] });
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code === null ? 1 : code));
`;

const fakeBin = path.join(dir, 'bin');
fs.mkdirSync(fakeBin);
fs.writeFileSync(path.join(fakeBin, 'ssh'), STAND_IN_SSH, { mode: 0o755 });
const sshLog = path.join(dir, 'ssh-argv.json');
const withFakeSsh = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: `${fakeBin}:${process.env.PATH}`, FAKE_SSH_LOG: sshLog, ...extra });

describe('ssh sources, without a lab', () => {
  test('each ssh failure is one clear line, exit 2, and the failed analysis says why', async () => {
    const cases: [string, RegExp][] = [
      ['root@nowhere.invalid', /^vmkscope: error: cannot reach nowhere\.invalid: its name does not resolve \(ssh: Could not resolve hostname nowhere\.invalid/m],
      ['root@unreachable', /^vmkscope: error: lost or could not open the ssh connection to unreachable \(ssh: connect to host unreachable port 22: Connection timed out\)$/m],
      ['root@locked', /^vmkscope: error: locked refused the login \(root@locked: Permission denied \(publickey,keyboard-interactive\)\.\): vmkscope runs ssh in batch mode/m],
      ['root@linuxbox', /^vmkscope: error: pktcap-uw was not found on linuxbox \(sh: 1: pktcap-uw: not found\): is it an ESXi host/m],
      ['root@chatty', /^vmkscope: error: ssh root@chatty --uplink vmnic1: at byte 0: not a capture file: the first bytes \(54 68 65 20, "The "\)/m],
    ];
    const db = path.join(dir, 'ssh-errors.db');
    await Promise.all(
      cases.map(async ([target, message]) => {
        const r = startCli(['--ssh', target, '--uplink', 'vmnic1', '--db', db, '--no-progress'], withFakeSsh({ FAKE_SSH_LOG: path.join(dir, `argv-${target}.json`) }));
        assert.equal(await r.exited, 2, r.out.stderr);
        assert.match(r.out.stderr, message);
        assert.doesNotMatch(r.out.stderr, /\n\s+at |internal error/, 'no stack trace');
        assert.equal(r.out.stdout, '');
      }),
    );
    const kept = withStore(db, (s) => s.list());
    assert.deepEqual(kept.map((a) => a.status), ['failed', 'failed', 'failed', 'failed', 'failed']);
    assert.match(kept.find((a) => a.inputs[0] === 'ssh root@chatty --uplink vmnic1')!.error!, /not a capture file/);
  });

  test('hostile field values are refused before anything runs; no ssh, no shell', async () => {
    fs.rmSync(sshLog, { force: true });
    const hostile: string[][] = [
      ['--ssh', 'root@esx01', '--uplink', 'vmnic1; rm -rf /'],
      ['--ssh', 'root@esx01', '--uplink', '$(touch /tmp/pwned)'],
      ['--ssh', 'root@esx01', '--uplink', '`reboot`'],
      ['--ssh', 'root@esx01', '--vmk', 'vmk1\nreboot'],
      ['--ssh=-oProxyCommand=touch /tmp/pwned', '--uplink', 'vmnic1'],
      ['--ssh', 'root@esx01', '--uplink', 'vmnic1', '--filter', "port 8000' ; reboot ; '"],
    ];
    // Every field and value is covered in-process by test/unit/pktcap.test.ts; these go through the CLI.
    await Promise.all(
      hostile.map(async (args) => {
        const r = await runCli(['capture', ...args, '--db', path.join(dir, 'hostile.db')], { env: withFakeSsh() });
        assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.stderr}`);
        assert.match(r.stderr, /^vmkscope: --(uplink|vmk|ssh|filter)\b/, r.stderr);
      }),
    );
    assert.equal(fs.existsSync(sshLog), false, 'ssh never ran');
    assert.equal(fs.existsSync(path.join(dir, 'hostile.db')), false, 'no analysis was even begun');
  });

  test('no ssh on PATH: says so and what to install', async () => {
    const empty = path.join(dir, 'empty-bin');
    fs.mkdirSync(empty);
    const r = await runCli(['capture', '--ssh', 'root@esx01', '--uplink', 'vmnic1', '--db', path.join(dir, 'nossh.db')], { env: { PATH: empty } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^vmkscope: error: ssh is not installed here \(no ssh on PATH\): install the OpenSSH client \(Debian\/Ubuntu: apt-get install openssh-client\)$/m);
  });

  test('a pcapng stream through a command and through standard input: its drop counts become a capture-quality finding; --save keeps the bytes', async () => {
    const generated = path.join(dir, 'lossy.pcapng');
    const gen = await runCli(['generate', '--packets', '4000', '--scale', '0.01', '--format', 'pcapng', '--loss', '0.01', '-o', generated]);
    assert.equal(gen.code, 0, gen.stderr);
    const reference = await analyzeJson(generated);
    const drops = reference.findings.find((f) => f.rule === 'capture-quality.drops')!;
    assert.ok(drops, 'the generated capture reports drops');

    const viaCommand = startCli(['--db', path.join(dir, 'streams.db'), '--json', path.join(dir, 'command.json'), '--command', '--', process.execPath, CLI, 'generate', '--packets', '4000', '--scale', '0.01', '--format', 'pcapng', '--loss', '0.01', '-o', '-']);
    assert.equal(await viaCommand.exited, 0, viaCommand.out.stderr);
    const command = readReport(path.join(dir, 'command.json'));

    const saved = path.join(dir, 'stdin-copy.pcapng');
    const viaStdin = await runCli(['capture', '-', '--db', path.join(dir, 'streams.db'), '--save', saved, '--json', '-'], { input: fs.readFileSync(generated) });
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    const stdin = JSON.parse(viaStdin.stdout) as AnalysisReport;

    for (const live of [command, stdin]) {
      assert.deepEqual(tcpFlows(live), tcpFlows(reference));
      const found = live.findings.find((f) => f.rule === 'capture-quality.drops')!;
      assert.equal(found.status, 'warn');
      assert.match(found.title, new RegExp(`dropped ${/dropped (\d+)/.exec(drops.title)![1]} packet`));
    }
    assert.equal(command.captures[0].file, `command ${process.execPath} ${CLI} generate --packets 4000 --scale 0.01 --format pcapng --loss 0.01 -o -`);
    assert.ok(fs.readFileSync(saved).equals(fs.readFileSync(generated)), 'the saved copy is the stream, byte for byte');
    assert.equal(stdin.captures[0].file, saved);
    assert.equal(stdin.captures[0].sha256, createHash('sha256').update(fs.readFileSync(generated)).digest('hex'));
  });
});

/**
 * Let other users reach `file`: a checkout under a private folder (mktemp -d makes them 0700)
 * is out of reach of "nobody". Folders above it that deny others search permission get it until
 * the test ends; the returned function puts their modes back.
 */
function searchableByOthers(file: string): () => void {
  const changed: [string, number][] = [];
  for (let d = path.dirname(file); ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(d, mode | 0o001);
      changed.push([d, mode]);
    }
    if (d === path.dirname(d)) break;
  }
  return () => {
    for (const [d, mode] of changed) fs.chmodSync(d, mode);
  };
}

describe('live capture in a namespace lab', { skip: UNAVAILABLE ?? false }, () => {
  let lab: Lab;
  before(() => {
    lab = new Lab();
    lab.build(TOPOLOGY);
  });
  after(() => lab.teardown());

  test('an interface captured live: flows and bytes equal tcpdump of the same traffic; rolling updates readable while it runs; Ctrl-C keeps everything', { skip: NO_PCAP ?? false }, async () => {
    const db = path.join(dir, 'live.db');
    const saved = path.join(dir, 'live.pcapng');
    const json = path.join(dir, 'live.json');
    const reference = await startCapture(lab, 'esx-a', 'vmk1', path.join(dir, 'reference.pcap'));
    const live = watch(lab.spawn('esx-a', process.execPath, [CLI, 'capture', '--interface', 'vmk1', '--db', db, '--save', saved, '--json', json, '--update-every', '0.3', '--no-progress']));
    await capturing(live);

    const first = await transfer(lab, [
      { label: 'vmotion-1', from: A.vmk1, to: B.vmk1, port: 8000, bytes: 3_000_000 },
      { label: 'vmotion-2', from: A.vmk1, to: B.vmk1, port: 8000, bytes: 2_000_000 },
    ]);
    // A rolling update shows the first transfers while the capture runs.
    const partial = await until('a rolling update with both vMotion streams', () => {
      return withStore(db, (store) => {
        const [a] = store.list();
        return a !== undefined && a.status === 'running' && a.flowCount >= 2 ? store.report(a.id) : null;
      });
    });
    assert.deepEqual(partial.flows.filter((f) => f.server.port === 8000).map((f) => f.client.port).sort(), first.map((c) => c.localPort).sort());
    const shown = await runCli(['db', 'show', '1', '--db', db]);
    assert.match(shown.stdout, /^analysis 1 \(running\)/);
    for (const c of first) assert.ok(shown.stdout.includes(`${A.vmk1}:${c.localPort}`), shown.stdout);

    const second = await transfer(lab, [{ label: 'nfc', from: A.vmk1, to: B.vmk1, port: 902, bytes: 1_500_000 }]);
    await sleep(BLOCK_TIMEOUT_MS);
    live.child.kill('SIGINT');
    const stats = await reference.stop();
    assert.equal(await live.exited, 0, live.out.stderr);
    assert.equal(stats.droppedByKernel, 0);
    assert.match(live.out.stderr, /vmkscope: libpcap: [\d,]+ packets received by the filter, 0 dropped by the kernel \(capture buffer full\), 0 by the interface/);
    assert.match(live.out.stderr, /stopped \(requested\); kept as analysis 1/);

    const report = readReport(json);
    const tcpdump = await analyzeJson(path.join(dir, 'reference.pcap'));
    assert.equal(report.flows.filter((f) => f.protocol === 'tcp').length, 3);
    assert.deepEqual(tcpFlows(report), tcpFlows(tcpdump), 'the same TCP flows with the same packets and frame bytes as tcpdump saw');
    for (const c of [...first, ...second]) {
      const f = report.flows.find((x) => x.client.port === c.localPort)!;
      assert.equal(f.directions.clientToServer.seqBytes, c.sent, `${c.label}: sequence space captured = bytes the client sent`);
    }
    assert.equal(report.findings.filter((f) => f.category === 'capture-quality').length, 0, JSON.stringify(report.findings.map((f) => f.title)));

    // What the database keeps is the report; the saved pcapng analyses the same; flows carve out of it.
    const [kept, back] = withStore(db, (s) => {
      const [a] = s.list();
      return [a, s.report(a.id)] as const;
    });
    assert.equal(kept.status, 'complete');
    assert.deepEqual(back, JSON.parse(JSON.stringify(report)));
    assert.equal(report.captures[0].file, saved);
    assert.equal(report.captures[0].sha256, createHash('sha256').update(fs.readFileSync(saved)).digest('hex'));
    const again = await analyzeJson(saved);
    assert.deepEqual(again.flows, report.flows);
    const carved = path.join(dir, 'carved.pcap');
    const vmotion = report.flows.find((f) => f.client.port === first[0].localPort)!;
    const carve = await runCli(['carve', '--db', db, '--analysis', String(kept.id), '--flow', vmotion.id, '-o', carved]);
    assert.equal(carve.code, 0, carve.stderr);
    assert.equal((await analyzeJson(carved)).flows[0].packets, vmotion.packets);
  });

  test('a command source: tcpdump -w - inside the namespace, stopped with SIGTERM, flows equal a parallel tcpdump', async () => {
    const json = path.join(dir, 'command-live.json');
    const reference = await startCapture(lab, 'esx-a', 'vmk2', path.join(dir, 'reference-vmk2.pcap'));
    const db = path.join(dir, 'command-live.db');
    const live = startCli(['--db', db, '--json', json, '--update-every', '0.2', '--no-progress', '--command', '--', 'ip', 'netns', 'exec', lab.ns('esx-a'), 'tcpdump', '-i', 'vmk2', '-s', '0', '-B', '16384', '-U', '-n', '-w', '-']);
    await capturing(live);
    await streaming(db);
    const sent = await transfer(lab, [
      { label: 'nfc-a', from: A.vmk2, to: B.vmk2, port: 902, bytes: 2_000_000 },
      { label: 'nfc-b', from: A.vmk2, to: B.vmk2, port: 902, bytes: 1_000_000 },
    ]);
    await sleep(BLOCK_TIMEOUT_MS);
    live.child.kill('SIGTERM');
    await reference.stop();
    assert.equal(await live.exited, 0, live.out.stderr);
    assert.match(live.out.stderr, new RegExp(`running ip netns exec ${lab.ns('esx-a')} tcpdump -i vmk2 -s 0 -B 16384 -U -n -w -`));
    const report = readReport(json);
    assert.deepEqual(tcpFlows(report), tcpFlows(await analyzeJson(path.join(dir, 'reference-vmk2.pcap'))));
    assert.deepEqual(report.flows.map((f) => f.directions.clientToServer.seqBytes).sort(), sent.map((c) => c.sent).sort());
    assert.equal(report.findings.filter((f) => f.category === 'capture-quality').length, 0, JSON.stringify(report.findings.map((f) => f.title)));
  });

  test('over ssh: a stand-in ssh gets the exact documented argument vector and its stream is analysed live', async () => {
    fs.rmSync(sshLog, { force: true });
    const json = path.join(dir, 'ssh.json');
    const db = path.join(dir, 'ssh.db');
    const live = startCli(['--ssh', 'root@esx01', '--uplink', 'vmnic1', '--db', db, '--json', json, '--update-every', '0.2', '--no-progress'], withFakeSsh({ FAKE_SSH_NS: lab.ns('esx-a'), FAKE_SSH_IF: 'vmk1' }));
    await capturing(live);
    const expected = ['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=10', '--', 'root@esx01', "pktcap-uw --uplink vmnic1 --dir 2 --rcf 'not tcp port 22' -o -"];
    assert.deepEqual(JSON.parse(await until('the stand-in ssh', () => fs.existsSync(sshLog) && fs.readFileSync(sshLog, 'utf8'))), expected);
    assert.match(live.out.stderr, /^vmkscope: running ssh -T -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=10 -- root@esx01 "pktcap-uw --uplink vmnic1 --dir 2 --rcf 'not tcp port 22' -o -"$/m);
    await streaming(db);
    const sent = await transfer(lab, [{ label: 'vmotion', from: A.vmk1, to: B.vmk1, port: 8000, bytes: 2_000_000 }]);
    await sleep(BLOCK_TIMEOUT_MS);
    live.child.kill('SIGINT');
    assert.equal(await live.exited, 0, live.out.stderr);
    const report = readReport(json);
    assert.equal(report.captures[0].file, 'ssh root@esx01 --uplink vmnic1');
    const flow = report.flows.find((f) => f.client.port === sent[0].localPort)!;
    assert.equal(flow.class, 'vmotion');
    assert.equal(flow.directions.clientToServer.seqBytes, sent[0].sent);
  });

  test('the app engine: startCapture answers with the analysis at once, rolling updates announce themselves, stopCapture stores the end', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, withFakeSsh({ FAKE_SSH_NS: lab.ns('esx-a'), FAKE_SSH_IF: 'vmk1' }));
    const api = new AppEngine(path.join(dir, 'app.db'));
    const changes: string[] = [];
    api.on('analysisChanged', (c) => changes.push(c.status));
    try {
      const started = (await dispatch(api, 'startCapture', [{ source: { kind: 'ssh', target: 'root@esx01', uplink: 'vmnic1' }, updateSeconds: 0.2 }])) as CaptureStarted;
      assert.equal(started.source, `ssh -T -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=10 -- root@esx01 "pktcap-uw --uplink vmnic1 --dir 2 --rcf 'not tcp port 22' -o -"`);
      assert.equal((await api.listAnalyses())[0].status, 'running');
      await until('a rolling update with the stream', async () => (await api.getAnalysis(started.analysisId)).captures.length === 1);
      const sent = await transfer(lab, [{ label: 'vmotion', from: A.vmk1, to: B.vmk1, port: 8000, bytes: 1_000_000 }]);
      await sleep(BLOCK_TIMEOUT_MS);
      const page = await until('the transfer in a rolling update', async () => {
        const p = await api.queryFlows({ analysisId: started.analysisId, port: 8000 });
        return p.rows.some((r) => r.client.port === sent[0].localPort) ? p : null;
      });
      assert.equal(page.rows[0].class, 'vmotion');
      assert.equal(await dispatch(api, 'stopCapture', [started.analysisId]), true);
      assert.equal(await api.stopCapture(started.analysisId), false, 'nothing runs with that id any more');
      const done = await api.getAnalysis(started.analysisId);
      assert.equal(done.status, 'complete');
      assert.ok(changes.filter((c) => c === 'running').length >= 3, changes.join(' '));
      assert.equal(changes.at(-1), 'complete');
      await assert.rejects(dispatch(api, 'startCapture', [{ source: { kind: 'command', argv: ['id'] } }]), /expected one of interface, ssh/);
    } finally {
      await api.close();
      process.env = saved;
    }
  });

  test('the interface vanishing mid-capture: one clear line, exit 2, the packets before it kept in the database and the saved file', { skip: NO_PCAP ?? false }, async () => {
    const db = path.join(dir, 'vanish.db');
    const saved = path.join(dir, 'vanish.pcapng');
    const live = watch(lab.spawn('esx-a', process.execPath, [CLI, 'capture', '--interface', 'vmk2', '--db', db, '--save', saved, '--no-progress']));
    await capturing(live);
    const sent = await transfer(lab, [{ label: 'nfc', from: A.vmk2, to: B.vmk2, port: 902, bytes: 1_000_000 }]);
    await sleep(BLOCK_TIMEOUT_MS);
    lab.exec('esx-a', 'ip', ['link', 'del', 'dev', 'vmk2']);
    assert.equal(await live.exited, 2, live.out.stderr);
    assert.match(live.out.stderr, /^vmkscope: error: interface vmk2 disappeared after \d+ packets; what was captured until then is kept$/m);
    const [kept, report] = withStore(db, (s) => {
      const [a] = s.list();
      return [a, s.report(a.id)] as const;
    });
    assert.equal(kept.status, 'complete');
    assert.match(report.captures[0].warnings.join('\n'), /the capture ended early: interface vmk2 disappeared after \d+ packets/);
    const flow = report.flows.find((f) => f.client.port === sent[0].localPort)!;
    assert.equal(flow.directions.clientToServer.seqBytes, sent[0].sent);
    assert.deepEqual((await analyzeJson(saved)).flows.map(flowKey), report.flows.map(flowKey));
  });

  test('without CAP_NET_RAW: the exact setcap command, which then lets an unprivileged user capture', { skip: NO_PCAP ?? false }, async (t) => {
    const r = spawnSync('ip', ['netns', 'exec', lab.ns('esx-a'), 'setpriv', '--bounding-set=-net_raw', process.execPath, CLI, 'capture', '--interface', 'vmk1', '--db', path.join(dir, 'nopriv.db')], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    const node = fs.realpathSync(process.execPath);
    const line = r.stderr.trim();
    assert.equal(line.split('\n').length, 1, line);
    assert.ok(line.startsWith('vmkscope: error: capturing on vmk1 needs the CAP_NET_RAW capability, which this process lacks (libpcap: socket: Operation not permitted).'), line);
    assert.ok(line.includes(`sudo setcap cap_net_raw=ep ${node} `), line);
    assert.match(line, /do not run vmkscope as root/);

    if (spawnSync('setcap', ['-v', 'cap_net_raw=ep', node]).error !== undefined) return console.log('# setcap (Debian package libcap2-bin) not installed: the command itself not tried');
    // The command as printed, on a copy of Node, lets the unprivileged user "nobody" capture.
    fs.chmodSync(dir, 0o711);
    const helper = fs.mkdtempSync(path.join(dir, 'helper-'));
    fs.chmodSync(helper, 0o755);
    fs.copyFileSync(node, path.join(helper, 'node'));
    fs.chmodSync(path.join(helper, 'node'), 0o755);
    const command = / sudo (setcap cap_net_raw=ep) \S+/.exec(line)![1].split(' ');
    assert.equal(spawnSync(command[0], [command[1], path.join(helper, 'node')]).status, 0);
    t.after(searchableByOthers(CLI));
    const work = fs.mkdtempSync(path.join(dir, 'nobody-'));
    fs.chmodSync(work, 0o777);
    const nobody = watch(lab.spawn('esx-a', 'setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', path.join(helper, 'node'), CLI, 'capture', '--interface', 'vmk1', '--packets', '10', '--db', path.join(work, 'x.db'), '--json', '-']));
    await capturing(nobody);
    await transfer(lab, [{ label: 'vmotion', from: A.vmk1, to: B.vmk1, port: 8000, bytes: 200_000 }]);
    assert.equal(await nobody.exited, 0, nobody.out.stderr);
    assert.equal((JSON.parse(nobody.out.stdout) as AnalysisReport).captures[0].packets, 10);
  });

  test('an analysis that falls behind: the kernel ring overflows, libpcap counts the drops, they become a capture-quality finding', { skip: NO_PCAP ?? false }, async () => {
    const json = path.join(dir, 'drops.json');
    const saved = path.join(dir, 'drops.pcapng');
    const live = watch(lab.spawn('esx-a', process.execPath, [CLI, 'capture', '--interface', 'vmk1', '--db', path.join(dir, 'drops.db'), '--save', saved, '--json', json, '--no-progress']));
    await capturing(live);
    // Stop vmkscope while 400 MB cross the interface: more than its 64 MiB ring holds.
    live.child.kill('SIGSTOP');
    try {
      await transfer(lab, [{ label: 'vmotion', from: A.vmk1, to: B.vmk1, port: 8000, bytes: 400_000_000 }]);
    } finally {
      live.child.kill('SIGCONT');
    }
    await sleep(500);
    live.child.kill('SIGINT');
    assert.equal(await live.exited, 0, live.out.stderr);
    const [, dropped] = /libpcap: [\d,]+ packets received by the filter, ([\d,]+) dropped by the kernel/.exec(live.out.stderr)!;
    const n = Number(dropped.replaceAll(',', ''));
    assert.ok(n > 0, live.out.stderr);
    const report = readReport(json);
    const finding = report.findings.find((f) => f.rule === 'capture-quality.drops')!;
    assert.equal(finding.status, 'warn');
    assert.match(finding.title, new RegExp(`the capture dropped ${n} packet`));
    assert.deepEqual(report.captures[0].drops, [{ interface: 0, ifDrop: 0, osDrop: n }]);
    const flow = report.flows.find((f) => f.server.port === 8000)!;
    assert.ok(flow.directions.clientToServer.seqBytes! < 400_000_000, 'the capture holds less than was sent');
    // The saved file carries the same counts in its statistics block.
    assert.deepEqual((await analyzeJson(saved)).captures[0].drops, report.captures[0].drops);
  });
});

test('without the optional pcap package: interface capture says exactly what to install', async () => {
  // The built CLI in a folder of its own whose node_modules has everything but pcap.
  const root = fs.mkdtempSync(path.join(dir, 'no-pcap-'));
  for (const part of ['native', 'core']) fs.cpSync(repoPath('dist', part), path.join(root, 'dist', part), { recursive: true });
  fs.copyFileSync(repoPath('package.json'), path.join(root, 'package.json'));
  fs.mkdirSync(path.join(root, 'node_modules'));
  for (const name of fs.readdirSync(repoPath('node_modules'))) {
    if (name !== 'pcap') fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(root, 'node_modules', name));
  }
  const capture = path.join(root, 'small.pcap');
  assert.equal((await runCli(['generate', '--packets', '200', '--scale', '0.01', '-o', capture])).code, 0);
  const cli = path.join(root, 'dist', 'native', 'cli', 'main.js');
  for (const args of [['--list-interfaces'], ['--interface', 'lo', '--db', path.join(root, 'x.db')]]) {
    const r = spawnSync(process.execPath, [cli, 'capture', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^vmkscope: error: live capture from an interface needs the optional package "pcap" \(libpcap bindings\), which is not installed or did not build: install libpcap's headers and a C\+\+ compiler \(Debian\/Ubuntu: apt-get install libpcap-dev g\+\+ make; .*\), then run npm install again$/m);
  }
  // The other sources need no libpcap.
  const r = spawnSync(process.execPath, [cli, 'capture', '-', '--db', path.join(root, 'x.db'), '--json', '-'], { input: fs.readFileSync(capture), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
