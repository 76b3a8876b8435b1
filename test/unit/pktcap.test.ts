/**
 * The pktcap-uw command vmkscope runs over ssh, word for word as docs/live-capture.md documents
 * it; every field a shell on the host could misread refused before anything runs; ssh's errors
 * explained in one line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainSshFailure, pktcapCommand, shellLine, sshArgv } from '../../native/sources/pktcap.js';

test('the pktcap-uw command: capture point, --dir, the filter with SSH left out, snap length, count, pcap to stdout', () => {
  assert.equal(pktcapCommand({ target: 'root@esx01', uplink: 'vmnic1', direction: 2 }).join(' '), "pktcap-uw --uplink vmnic1 --dir 2 --rcf 'not tcp port 22' -o -");
  assert.equal(
    pktcapCommand({ target: 'root@esx01', vmk: 'vmk1', direction: 0, filter: 'tcp port 8000 or tcp port 902', snaplen: 128, packets: 5000 }).join(' '),
    "pktcap-uw --vmk vmk1 --dir 0 --rcf '(tcp port 8000 or tcp port 902) and not tcp port 22' --snapLen 128 --count 5000 -o -",
  );
  assert.equal(pktcapCommand({ target: 'esx01', uplink: 'vusb0', direction: 1, filter: 'host 198.18.20.12 && (port 8000 || port 902)' })[2], 'vusb0');
});

test('ssh gets an argument vector: options, --, the destination, the remote command as one argument', () => {
  assert.deepEqual(sshArgv({ target: 'root@esx01.example.net', uplink: 'vmnic1', direction: 2 }), [
    'ssh',
    '-T',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'ServerAliveInterval=10',
    '--',
    'root@esx01.example.net',
    "pktcap-uw --uplink vmnic1 --dir 2 --rcf 'not tcp port 22' -o -",
  ]);
  assert.equal(sshArgv({ target: '198.18.10.11', uplink: 'vmnic0', direction: 2 })[9], '198.18.10.11');
  assert.equal(sshArgv({ target: 'root@fd00::11', uplink: 'vmnic0', direction: 2 })[9], 'root@fd00::11');
  // What the user is shown can be pasted into a shell and runs the same vector.
  assert.equal(
    shellLine(sshArgv({ target: 'root@esx01', uplink: 'vmnic1', direction: 2 })),
    `ssh -T -o BatchMode=yes -o ConnectTimeout=10 -o ServerAliveInterval=10 -- root@esx01 "pktcap-uw --uplink vmnic1 --dir 2 --rcf 'not tcp port 22' -o -"`,
  );
  assert.equal(shellLine(['sh', '-c', 'echo "$HOME" \'x\'']), `sh -c 'echo "$HOME" '\\''x'\\'''`);
});

test('hostile or malformed fields are refused, naming the option', () => {
  const refused = (fields: Partial<Parameters<typeof sshArgv>[0]>, option: RegExp): void =>
    assert.throws(() => sshArgv({ target: 'root@esx01', uplink: 'vmnic1', direction: 2, ...fields }), (e: Error) => e.name === 'UsageError' && option.test(e.message), JSON.stringify(fields));
  for (const uplink of ['vmnic1; rm -rf /', 'vmnic1 && reboot', '$(reboot)', '`reboot`', 'vmnic1\nreboot', 'vmnic 1', '-o', 'vmk1', '']) refused({ uplink }, /^--uplink/);
  for (const vmk of ['vmk0;id', 'vmk$(id)', 'eth0']) refused({ uplink: undefined, vmk }, /^--vmk/);
  for (const target of ['-oProxyCommand=reboot', 'root@esx01;reboot', 'root@$(hostname)', 'root@`id`', 'root@esx 01', 'root@esx01\nid', "root@'esx01'", 'a@b@c', '']) refused({ target }, /^--ssh/);
  for (const filter of ["port 22' ; reboot; '", 'port 8000 $(reboot)', 'port `id`', 'port 8000\nreboot', 'port 8000; reboot', 'host "x"', 'port 8000 \\', '']) refused({ filter }, /^--filter/);
  refused({ direction: 3 as 0 }, /^--dir/);
  refused({ snaplen: 0 }, /^--snaplen/);
  refused({ packets: 1.5 }, /^--packets/);
  refused({ vmk: 'vmk1' }, /one capture point/);
  refused({ uplink: undefined }, /one capture point/);
});

test('ssh failures explained in one line, with what to do', () => {
  const explain = (code: number | null, stderr: string[]): string => explainSshFailure('root@esx01', code, null, stderr);
  assert.match(explain(255, ['ssh: Could not resolve hostname esx01: Name or service not known']), /^cannot reach esx01: its name does not resolve \(ssh: Could not resolve hostname/);
  assert.match(explain(255, ['ssh: connect to host esx01 port 22: Connection timed out']), /^lost or could not open the ssh connection to esx01 \(.*Connection timed out\)$/);
  assert.match(explain(255, ['root@esx01: Permission denied (publickey,keyboard-interactive).']), /^esx01 refused the login \(.*Permission denied.*\): vmkscope runs ssh in batch mode with your ssh agent and keys/);
  assert.match(explain(255, ['Host key verification failed.']), /host key of esx01 is not known.*"ssh root@esx01"/);
  assert.match(explain(127, ['sh: pktcap-uw: not found']), /^pktcap-uw was not found on esx01 \(sh: pktcap-uw: not found\): is it an ESXi host/);
  assert.match(explain(1, ['Unknown option --rcf']), /^pktcap-uw on esx01 exited with status 1 \(Unknown option --rcf\)$/);
  assert.match(explainSshFailure('root@esx01', null, 'SIGKILL', []), /stopped by SIGKILL/);
});
