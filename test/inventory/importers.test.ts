/**
 * Importer behaviours the golden files do not isolate: detection from content alone, CSV mapped
 * by header name, prompts and command lines, service spellings, lenient and strict values.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { VMK_SERVICES } from '../../core/contract/inventory.js';
import { loadInventory } from '../../core/inventory/load.js';
import { normalizeService } from '../../core/inventory/services.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import { repoPath } from '../helpers/paths.js';
import { described, loadSamples, SAMPLES } from './helpers.js';

const sample = (name: string): string => fs.readFileSync(path.join(SAMPLES, name), 'utf8');

test('the format comes from the content, never the file name', () => {
  for (const [file, disguise] of [
    ['esx02.vnic-info.json', 'esx02.csv'],
    ['esx04.ipv4.csv', 'esx04.json'],
    ['vmkernel-adapters.csv', 'vmkernel-adapters.yaml'],
    ['canonical.json', 'canonical.txt'],
  ]) {
    const real = loadSamples(file);
    const disguised = loadInventory([{ name: disguise, text: sample(file) }]);
    assert.deepEqual(disguised.problems, []);
    assert.equal(inventoryToYaml(disguised.inventory), inventoryToYaml(real.inventory), disguise);
  }
});

test('esxcli CSV columns are mapped by header name, not position', () => {
  const lines = sample('esx04.ipv4.csv').trimEnd().split('\n');
  // Reverse each line's cells (the trailing comma stays at the end).
  const reversed = lines.map((l) => `${l.replace(/,$/, '').split(',').reverse().join(',')},`).join('\n');
  const a = loadSamples('esx04.ipv4.csv').inventory;
  const b = loadInventory([{ name: 'esx04.ipv4.csv', text: reversed }]).inventory;
  assert.deepEqual(b, a);
  assert.equal(b.hosts[0].vmks[0].ip, '198.18.10.14/24');
});

test('prompts: ESXi, older shells and bare command lines; govc takes its host from -host', () => {
  const tags = (prompt: string): string => `${prompt}esxcli network ip interface tag get -i vmk1\n   Tags: VMotion, VSAN\n`;
  const ipv4 = 'esxcli network ip interface ipv4 get -i vmk1\nName  IPv4 Address  IPv4 Netmask   IPv4 Broadcast  Address Type  Gateway  DHCP DNS\n----  ------------  -------------  --------------  ------------  -------  --------\nvmk1  198.18.20.17  255.255.255.0  198.18.20.255   STATIC        0.0.0.0     false\n';
  for (const prompt of ['[root@esx07:~] ', '~ # ', 'esx07:~ # ', '']) {
    const { inventory, problems } = loadInventory([{ name: 'esx07.txt', text: tags(prompt) + (prompt.startsWith('[') ? '[root@esx07:~] ' : prompt) + ipv4 }]);
    assert.deepEqual(described(problems), [], JSON.stringify(prompt));
    assert.equal(inventory.hosts[0].name, 'esx07');
    assert.deepEqual(inventory.hosts[0].vmks[0].services, ['vmotion', 'vsan'], JSON.stringify(prompt));
  }
  const govc = loadInventory([{ name: 'x.txt', text: `admin@jump:~$ govc host.vnic.info -host=esx08.example.net\nDevice:            vmk0\nNetwork label:     Management Network\nSwitch:            vSwitch0\nIP address:        198.18.10.18\nTCP/IP stack:      defaultTcpipStack\nEnabled services:\n` }]);
  assert.equal(govc.inventory.hosts[0].name, 'esx08.example.net', 'the -host flag, not the jump host of the prompt');
  assert.deepEqual(govc.inventory.hosts[0].vmks[0].services, [], 'an empty Enabled services line is none');
});

test('several hosts in one transcript', () => {
  const { inventory } = loadSamples('esx02-esx03-session.txt');
  assert.deepEqual(inventory.hosts.map((h) => [h.name, h.version, h.vmks.length]), [['esx02', '6.7.0', 3], ['esx03', '7.0.3', 2]]);
  // esx02 is 6.7: no Gateway column; gateways from the default routes of each netstack.
  assert.deepEqual(inventory.hosts[0].vmks.map((v) => v.gateway), ['198.18.10.1', '198.18.20.1', null]);
});

test('every spelling of a service becomes its API name', () => {
  const spellings: Record<string, string> = {
    management: 'management', Management: 'management', ManagementTrafficEnabled: 'management',
    VMotion: 'vmotion', vMotion: 'vmotion', VMotionEnabled: 'vmotion',
    Provisioning: 'vSphereProvisioning', vSphereProvisioning: 'vSphereProvisioning', VSPHEREPROVISIONING: 'vSphereProvisioning',
    'Fault Tolerance logging': 'faultToleranceLogging', FaultToleranceLoggingEnabled: 'faultToleranceLogging',
    VSAN: 'vsan', vSAN: 'vsan', VsanTrafficEnabled: 'vsan', VSANWitness: 'vsanWitness', 'vSAN Witness': 'vsanWitness',
    'vSphere Replication': 'vSphereReplication', vSphereReplicationNFC: 'vSphereReplicationNFC', 'vSphere Replication NFC': 'vSphereReplicationNFC',
    vSphereBackupNFC: 'vSphereBackupNFC', 'vSphere Backup NFC': 'vSphereBackupNFC',
    NVMeTCP: 'nvmeTcp', 'NVMe over TCP': 'nvmeTcp', NVMeRDMA: 'nvmeRdma', PrecisionTimeProtocol: 'ptp', PTP: 'ptp',
  };
  for (const [spelling, service] of Object.entries(spellings)) assert.equal(normalizeService(spelling), service, spelling);
  for (const service of VMK_SERVICES) assert.equal(normalizeService(service), service);
  for (const unknown of ['vsanExternal', 'DhcpEnabled', 'vmotion2', '']) assert.equal(normalizeService(unknown), null, unknown);
});

test("docs/inventory.md's service table is what normalizeService does", () => {
  const doc = fs.readFileSync(repoPath('docs/inventory.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Service names'), doc.indexOf('\n## ', doc.indexOf('## Service names') + 1));
  const rows = table.split('\n').filter((l) => l.startsWith('| `'));
  assert.deepEqual(rows.map((r) => /^\| `(\w+)`/.exec(r)![1]), [...VMK_SERVICES]);
  for (const row of rows) {
    const [api, ...spellings] = row.split('|').slice(1, -1).map((cell) => cell.replace(/\(.*?\)/g, '').replace(/`/g, '').trim());
    for (const spelling of spellings.filter((s) => s !== '')) assert.equal(normalizeService(spelling), api, `${spelling} in the docs' row for ${api}`);
  }
});

test('an unknown tag is left out with a warning; a PowerCLI boolean that is not True/False is a problem', () => {
  const tags = loadInventory([{ name: 'esx09.txt', text: '[root@esx09:~] esxcli network ip interface tag get -i vmk0\n   Tags: Management, vsanExternal\n[root@esx09:~] esxcli network ip interface ipv4 get\nName  IPv4 Address  IPv4 Netmask   IPv4 Broadcast  Address Type  DHCP DNS\n----  ------------  -------------  --------------  ------------  --------\nvmk0  198.18.10.19  255.255.255.0  198.18.10.255   STATIC           false\n' }]);
  assert.deepEqual(tags.problems, []);
  assert.deepEqual(tags.inventory.hosts[0].vmks[0].services, ['management']);
  assert.deepEqual(described(tags.warnings).filter((w) => /vsanExternal/.test(w)), ['esx09.txt:2: vmk0: tag vsanExternal is not a service vmkscope knows; left out']);
  const csv = loadInventory([{ name: 'a.csv', text: '"VMHost","DeviceName","IP","SubnetMask","VMotionEnabled"\n"esx01","vmk1","198.18.20.11","255.255.255.0","Yes"\n' }]);
  assert.deepEqual(described(csv.problems), ['a.csv:2: vmk1: VMotionEnabled is Yes, not True or False']);
});

test('esxcfg-vmknic -l: port groups with spaces, DVPort numbers, two-word types, IPv6 rows', () => {
  const host = loadSamples('esx01.esxcfg-vmknic.txt').inventory.hosts[0];
  const byDevice = Object.fromEntries(host.vmks.map((v) => [v.device, v]));
  assert.equal(byDevice.vmk0.portgroup, 'Management Network');
  assert.deepEqual(byDevice.vmk0.otherIps, ['fe80::3eec:efff:fe10:2030/64', '2001:db8:10::11/64']);
  assert.equal(byDevice.vmk1.portgroup, null, 'a DVPort number is not a port group name');
  assert.equal(byDevice.vmk4.ip, '2001:db8:50::11/64', 'an IPv6-only vmk: its global address is the primary');
  assert.equal(byDevice.vmk10.netstack, 'vxlan');
});

test('unrecognised output of an esxcli command in a transcript is skipped with a warning; a banner silently', () => {
  const text = `${sample('esx01.tags.txt')}[root@esx01:~] esxcli network vswitch standard list\n${sample('broken/vswitch-list.txt')}`;
  const { warnings } = loadInventory([{ name: 's.txt', text }]);
  assert.ok(described(warnings).includes('s.txt:11: skipped the output of "esxcli network vswitch standard list": not an inventory source'), described(warnings).join('\n'));
  const banner = loadSamples('esx01-session.txt');
  assert.deepEqual(banner.warnings, []);
});

test('empty and binary inputs are problems', () => {
  const { problems } = loadInventory([
    { name: 'empty.txt', text: '\n\n' },
    { name: 'capture.pcap', text: '\u00d4\u00c3\u00b2\u00a1\u0002\u0000\u0004\u0000' },
  ]);
  assert.deepEqual(described(problems), ['empty.txt: empty', 'capture.pcap: binary data, not an inventory (a capture goes to vmkscope analyze)']);
});
