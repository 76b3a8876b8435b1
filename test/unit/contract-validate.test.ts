/**
 * The runtime checks every transport runs before a handler: good arguments pass unchanged, and
 * each kind of bad one is refused with the place and the rule named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APP_OPERATIONS } from '../../core/contract/app-api.js';
import { OPERATION_ARGUMENTS, validateArguments, validateShellArguments } from '../../core/contract/validate.js';

test('every operation of the contract has a schema', () => {
  assert.deepEqual(Object.keys(OPERATION_ARGUMENTS).sort(), [...APP_OPERATIONS].sort());
});

test('good arguments pass, optional ones may be absent', () => {
  const analyze = [{ captures: ['/tmp/a.pcap', '/tmp/b.pcapng'], inventoryText: [{ name: 'pasted', text: 'vmk0 ...' }], store: true }];
  assert.deepEqual(validateArguments('analyze', analyze), analyze);
  assert.deepEqual(validateArguments('queryFlows', [{ analysisId: 3, class: ['vmotion', 'nfc'], verdict: ['fail', 'none'], port: 8000, sort: 'bytes', descending: true, limit: 1000, after: 'x' }]), [
    { analysisId: 3, class: ['vmotion', 'nfc'], verdict: ['fail', 'none'], port: 8000, sort: 'bytes', descending: true, limit: 1000, after: 'x' },
  ]);
  assert.deepEqual(validateArguments('getFlow', [1, 'f12']), [1, 'f12']);
  assert.deepEqual(validateArguments('listAnalyses', []), []);
  assert.deepEqual(validateShellArguments('savePackets', [{ analysisId: 2, findingId: 'v1' }]), [{ analysisId: 2, findingId: 'v1' }]);
});

test('bad arguments are refused with the place and the rule', () => {
  const refuses = (op: Parameters<typeof validateArguments>[0], args: unknown, message: RegExp) =>
    assert.throws(() => validateArguments(op, args), (err: Error) => err.name === 'ArgumentError' && message.test(err.message), `${op} ${JSON.stringify(args)}`);
  refuses('getAnalysis', ['1'], /getAnalysis argument 1: expected a whole number, got "1"/);
  refuses('getAnalysis', [0], /between 1 and/);
  refuses('getAnalysis', [], /expected 1 argument/);
  refuses('getAnalysis', [1, 2], /expected 1 argument/);
  refuses('getAnalysis', { 0: 1 }, /list of arguments/);
  refuses('analyze', [{ captures: [] }], /captures: needs at least 1 item/);
  refuses('analyze', [{ captures: ['a'], shell: 'rm -rf /' }], /\.shell: unknown property/);
  refuses('analyze', [{ captures: ['a\0b'] }], /NUL/);
  refuses('analyze', [{ captures: ['x'.repeat(5000)] }], /longer than 4096/);
  refuses('queryFlows', [{ analysisId: 1, class: ['bittorrent'] }], /class\[0\]: expected one of vmotion/);
  refuses('queryFlows', [{ analysisId: 1, port: 70000 }], /port: must be between 0 and 65535/);
  refuses('queryFlows', [{ analysisId: 1, limit: 5000 }], /limit: must be between 1 and 1000/);
  refuses('queryFlows', [null], /expected an object, got null/);
  refuses('timeline', [{ analysisId: 1, points: 10, from: Number.NaN }], /from: expected a number/);
  refuses('exportReport', [{ analysisId: 1, format: 'pdf' }], /format: expected one of html, json, csv/);
  refuses('importInventory', [[]], /needs at least 1 item/);
  assert.throws(() => validateShellArguments('savePdf', ['1']), /savePdf argument 1/);
});

test('live capture from the app: an interface or pktcap-uw over ssh, never an arbitrary command', () => {
  const ssh = [{ source: { kind: 'ssh', target: 'root@esx01', uplink: 'vmnic1', direction: 2 }, filter: 'tcp port 8000', snaplen: 128, durationSeconds: 30, updateSeconds: 0.5, save: '/tmp/x.pcap' }];
  assert.deepEqual(validateArguments('startCapture', ssh), ssh);
  const iface = [{ source: { kind: 'interface', name: 'ens192', promiscuous: false }, packets: 1000, inventory: ['/tmp/site.yaml'] }];
  assert.deepEqual(validateArguments('startCapture', iface), iface);
  assert.deepEqual(validateArguments('stopCapture', [4]), [4]);
  assert.deepEqual(validateArguments('listInterfaces', []), []);
  const refuses = (args: unknown, message: RegExp): void =>
    assert.throws(() => validateArguments('startCapture', args), (err: Error) => err.name === 'ArgumentError' && message.test(err.message), JSON.stringify(args));
  refuses([{ source: { kind: 'command', argv: ['sh', '-c', 'id'] } }], /source\.kind: expected one of interface, ssh, got "command"/);
  refuses([{ source: { kind: 'stdin' } }], /source\.kind: expected one of interface, ssh/);
  refuses([{ source: { kind: 'ssh', target: 'root@esx01', uplink: 'vmnic1', shell: 'sh -c id' } }], /source\.shell: unknown property/);
  refuses([{ source: { kind: 'ssh', target: 'root@esx01', direction: 3 } }], /direction: must be between 0 and 2/);
  refuses([{ source: 'eth0' }], /source: expected an object, got "eth0"/);
  refuses([{ source: { kind: 'interface', name: 'eth0' }, durationSeconds: 0 }], /durationSeconds: must be above 0/);
  refuses([{ source: { kind: 'interface', name: 'eth0' }, snaplen: 300000 }], /snaplen: must be between 1 and 262144/);
});
