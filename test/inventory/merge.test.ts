/**
 * Sources complement each other per host and vmk, whatever the order they come in; where two
 * disagree it is a problem naming both places; hosts get a name from the content or, with a
 * warning, from the file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadInventory } from '../../core/inventory/load.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import { described, loadSamples } from './helpers.js';

test('interface list + ipv4 get + tag get in separate files make one complete host', () => {
  const { inventory, problems, warnings } = loadSamples('esx01.interfaces.txt', 'esx01.ipv4.txt', 'esx01.tags.txt');
  assert.deepEqual(problems, []);
  assert.equal(inventory.hosts.length, 1);
  const host = inventory.hosts[0];
  assert.equal(host.name, 'esx01');
  const vmk1 = host.vmks.find((v) => v.device === 'vmk1')!;
  assert.equal(vmk1.mac, '00:50:56:6a:11:22', 'MAC from interface list');
  assert.equal(vmk1.netstack, 'vmotion', 'netstack from interface list');
  assert.equal(vmk1.mtu, 9000, 'MTU from interface list');
  assert.equal(vmk1.ip, '198.18.20.11/24', 'address and netmask from ipv4 get');
  assert.equal(vmk1.gateway, '198.18.20.1', 'gateway from ipv4 get');
  assert.deepEqual(vmk1.services, ['vmotion'], 'services from tag get');
  assert.deepEqual(inventory.sources, ['esx01.interfaces.txt', 'esx01.ipv4.txt', 'esx01.tags.txt']);
  // vmk4 is IPv6-only; without its ipv6 output it has no address.
  assert.deepEqual(host.vmks.map((v) => v.device), ['vmk0', 'vmk1', 'vmk2', 'vmk3']);
  assert.deepEqual(described(warnings), [
    'esx01.interfaces.txt:1: no host name in the input (no shell prompt, VMHost column or govc -host): using "esx01" from the file name',
    'esx01.interfaces.txt:77: esx01 vmk4: no IP address in the input; vmk left out',
    'esx01.ipv4.txt:3: no host name in the input (no shell prompt, VMHost column or govc -host): using "esx01" from the file name',
  ]);
});

test('the order of the inputs does not change the result', () => {
  const files = ['esx01.tags.txt', 'esx01.ipv4.txt', 'esx01.interfaces.txt'];
  const a = loadSamples(...files).inventory;
  const b = loadSamples(...files.reverse()).inventory;
  assert.equal(inventoryToYaml(a), inventoryToYaml(b));
});

test('an address without a netmask (govc) takes the netmask another source gives', () => {
  const { inventory, warnings } = loadSamples('govc-vnic-info.txt', 'vmkernel-adapters.csv');
  const vmk1 = inventory.hosts.find((h) => h.name === 'esx01.example.net')!.vmks.find((v) => v.device === 'vmk1')!;
  assert.equal(vmk1.ip, '198.18.20.11/24');
  assert.equal(vmk1.netstack, 'vmotion', 'netstack from govc, the CSV has none');
  assert.ok(!warnings.some((w) => /no netmask/.test(w.message)), described(warnings).join('\n'));
  const alone = loadSamples('govc-vnic-info.txt');
  assert.equal(alone.inventory.hosts[0].vmks[1].ip, '198.18.20.11/32');
  assert.match(described(alone.warnings).join('\n'), /esx01\.example\.net: no netmask given for vmk0 \(198\.18\.10\.11\), vmk1 \(198\.18\.20\.11\), vmk2 \(198\.18\.30\.11\), vmk3 \(198\.18\.40\.11\); written as host prefixes/);
});

test('contradictions between sources are problems naming both places', () => {
  const session = { name: 'esx01-session.txt', text: '[root@esx01:~] esxcli network ip interface tag get -i vmk1\n   Tags: VMotion\n' };
  const canonical = {
    name: 'inv.yaml',
    text: `hosts:
  - name: esx01
    vmks:
      - device: vmk1
        ip: 198.18.20.11/24
        mac: 00:50:56:6a:11:22
        services: [vmotion, vSphereProvisioning]
`,
  };
  const listing = { name: 'list.txt', text: '[root@esx01:~] esxcli network ip interface list\nvmk1\n   Name: vmk1\n   MAC Address: 00:50:56:6a:99:99\n   Netstack Instance: vmotion\n' };
  const { problems } = loadInventory([session, canonical, listing]);
  assert.deepEqual(described(problems), [
    'inv.yaml:7: esx01 vmk1: service vSphereProvisioning enabled here but not enabled in esx01-session.txt:2',
    'list.txt:4: esx01 vmk1: MAC address 00:50:56:6a:99:99 contradicts 00:50:56:6a:11:22 (inv.yaml:6)',
    'list.txt:5: esx01 vmk1: netstack vmotion contradicts defaultTcpipStack (inv.yaml:4)',
  ]);
});

test('a short host name is folded into the one FQDN it starts; an ambiguous one is kept apart', () => {
  const { inventory, warnings } = loadSamples('esx01-session.txt', 'vmkernel-adapters.csv');
  assert.deepEqual(inventory.hosts.map((h) => h.name), ['esx01.example.net', 'esx02.example.net']);
  assert.equal(inventory.hosts[0].version, '8.0.2', 'version from the transcript, host name from the CSV');
  assert.match(described(warnings).join('\n'), /esx01-session\.txt:\d+: host esx01 taken to be esx01\.example\.net \(vmkernel-adapters\.csv:3\)/);

  const vmk = (host: string, ip: string) => ({ name: `${host}.csv`, text: `"VMHost","DeviceName","IP","SubnetMask"\n"${host}","vmk0","${ip}","255.255.255.0"\n` });
  const ambiguous = loadInventory([vmk('esx01.a.example', '198.18.10.11'), vmk('esx01.b.example', '198.18.10.21'), vmk('esx01', '198.18.10.31')]);
  assert.deepEqual(ambiguous.inventory.hosts.map((h) => h.name), ['esx01', 'esx01.a.example', 'esx01.b.example']);
  assert.match(described(ambiguous.warnings).join('\n'), /esx01\.csv:2: host esx01 could be any of esx01\.a\.example, esx01\.b\.example: kept as a host of its own/);
});

test('without a host name in the content, standard input is a problem', () => {
  const text = 'Name  IPv4 Address  IPv4 Netmask   IPv4 Broadcast  Address Type  DHCP DNS\n----  ------------  -------------  --------------  ------------  --------\nvmk0  198.18.10.11  255.255.255.0  198.18.10.255   STATIC           false\n';
  const { problems } = loadInventory([{ name: '-', text }]);
  assert.equal(problems.length, 1);
  assert.match(described(problems)[0], /^-:3: no host name in the input .* and no file name to take it from/);
  const named = loadInventory([{ name: '/tmp/paste/esx09.ipv4-get.txt', text }]);
  assert.deepEqual(named.problems, []);
  assert.equal(named.inventory.hosts[0].name, 'esx09');
});

test('derived warnings wait while a problem stands', () => {
  const { problems, warnings } = loadSamples('broken/esx01.ipv4-bad-netmask.txt');
  assert.equal(problems.length, 1);
  // Not "vmk1: no IP address" nor the netstack/services notes: only the file-name fallback.
  assert.deepEqual(warnings.map((w) => w.message), ['no host name in the input (no shell prompt, VMHost column or govc -host): using "esx01" from the file name']);
});
