/**
 * The canonical form: what the writer produces reads back to the same inventory and the same
 * text; JSON and YAML are the same format; spellings are normalised; mistakes are reported with
 * their line, all of them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadInventory } from '../../core/inventory/load.js';
import { inventoryToYaml } from '../../core/inventory/yaml-writer.js';
import { repoPath } from '../helpers/paths.js';
import { described, loadSamples } from './helpers.js';

const GOLDEN = repoPath('test/inventory/golden');

function load(text: string, name = 'inv.yaml') {
  return loadInventory([{ name, text }]);
}

test('every golden file reads back to itself: same text, same inventory, no problems or warnings', () => {
  const goldens = fs.readdirSync(GOLDEN).filter((f) => f.endsWith('.yaml'));
  assert.ok(goldens.length > 10);
  for (const file of goldens) {
    const text = fs.readFileSync(path.join(GOLDEN, file), 'utf8');
    const first = load(text, file);
    assert.deepEqual(described([...first.problems, ...first.warnings]), [], file);
    assert.equal(inventoryToYaml(first.inventory), text, file);
    const second = load(inventoryToYaml(first.inventory), file);
    assert.deepEqual(second.inventory, first.inventory, file);
  }
});

test('JSON is the same format as YAML', () => {
  const yamlText = fs.readFileSync(repoPath('test/inventory/samples/canonical.yaml'), 'utf8');
  const fromYaml = load(yamlText);
  const fromJson = load(JSON.stringify(parse(yamlText), null, 2), 'inv.json');
  assert.deepEqual(described(fromJson.problems), []);
  assert.deepEqual({ ...fromJson.inventory, sources: [] }, { ...fromYaml.inventory, sources: [] });
  assert.equal(fromJson.inventory.hosts[0].vmks[0].mac, '3c:ec:ef:10:20:30');
});

test('spellings are normalised: MACs, services, system netstacks; numbers keep their text', () => {
  const { inventory, problems } = load(`hosts:
  - name: esx01
    version: 8.0
    vmks:
      - device: vmk1
        ip: 198.18.20.11/24
        mac: 0050.566A.1122
        netstack: VMOTION
        services: [VMotion, vSphere Replication NFC, Fault Tolerance logging, PrecisionTimeProtocol, vmotion]
      - device: vmk0
        ip: 198.18.10.11/24
        mac: null
        netstack: MyStack
`);
  assert.deepEqual(described(problems), []);
  const [vmk0, vmk1] = inventory.hosts[0].vmks;
  assert.equal(inventory.hosts[0].version, '8.0', 'version: 8.0 is the text 8.0, not the number 8');
  assert.equal(vmk1.mac, '00:50:56:6a:11:22');
  assert.equal(vmk1.netstack, 'vmotion');
  assert.deepEqual(vmk1.services, ['vmotion', 'faultToleranceLogging', 'vSphereReplicationNFC', 'ptp']);
  assert.equal(vmk0.device, 'vmk0', 'vmks come out in device order');
  assert.equal(vmk0.mac, null);
  assert.equal(vmk0.netstack, 'MyStack', 'a custom netstack is kept as written');
  assert.deepEqual(vmk0.services, []);
});

test('absent optional fields take their documented defaults', () => {
  const { inventory, problems } = load('hosts:\n  - name: esx01\n    vmks:\n      - device: vmk0\n        ip: 2001:db8::11/64\n');
  assert.deepEqual(described(problems), []);
  assert.deepEqual(inventory.hosts[0], {
    name: 'esx01',
    version: null,
    vmks: [{ device: 'vmk0', ip: '2001:db8::11/64', otherIps: [], mac: null, vlan: null, netstack: 'defaultTcpipStack', gateway: null, services: [], mtu: null, portgroup: null }],
  });
  assert.deepEqual(inventory.vcenters, []);
  assert.deepEqual(inventory.gateways, []);
});

test('a netstack one typo away from a system stack is kept, with a warning', () => {
  const { inventory, warnings, problems } = load('hosts:\n  - name: esx01\n    vmks:\n      - device: vmk1\n        ip: 198.18.20.11/24\n        netstack: vmotoin\n');
  assert.deepEqual(problems, []);
  assert.equal(inventory.hosts[0].vmks[0].netstack, 'vmotoin');
  assert.deepEqual(described(warnings), ['inv.yaml:6: host esx01 vmk1: netstack vmotoin is not a system netstack (did you mean vmotion?); kept as a custom netstack']);
});

test('structure mistakes: wrong types, missing fields, top-level typos, vcenters and gateways', () => {
  const { problems } = load(`hosts:
  - name: esx01
    vmks:
      - ip: 198.18.10.11/24
        mtu: 12000
      - device: eth0
        ip: 198.18.10.12/24
        otherIps: fe80::1/64
  - vmks: []
vcenter:
  - name: vc01
vcenters:
  - name: vc01
    ip: 198.18.11.5/24
gateways:
  - name: edge-fw
  - name: core
    ips: [198.18.10.1]
    macs: [00:50:56:aa:00]
`);
  assert.deepEqual(described(problems), [
    'inv.yaml:4: host esx01 vmk: device is missing',
    'inv.yaml:5: host esx01 vmk: mtu must be a whole number from 68 to 9000 (got 12000)',
    'inv.yaml:6: host esx01: device eth0 is not a vmkernel adapter name (vmk0, vmk1, ...)',
    'inv.yaml:8: host esx01 vmk: otherIps must be a list',
    'inv.yaml:9: host: name is missing',
    'inv.yaml:10: the inventory: unknown key vcenter (did you mean vcenters?); known: hosts, vcenters, gateways',
    'inv.yaml:14: vcenter vc01: ip 198.18.11.5/24 is not an IPv4 or IPv6 address',
    'inv.yaml:16: gateway edge-fw: give its ips or macs (or both)',
    'inv.yaml:19: gateway core: macs entry 00:50:56:aa:00 is not a MAC address (such as 00:50:56:6a:01:10)',
  ]);
});

test('a canonical file adds vcenters and gateways to imported hosts; differing duplicates are problems', () => {
  const { inventory } = loadSamples('esx01-session.txt', 'site-overlay.yaml');
  assert.deepEqual(inventory.vcenters, [{ name: 'vc01.example.net', ip: '198.18.11.5' }]);
  assert.deepEqual(inventory.gateways[0].macs, ['00:50:56:aa:00:01', '00:50:56:aa:00:02']);
  assert.equal(inventory.hosts[0].name, 'esx01');
  const clash = loadInventory([
    { name: 'a.yaml', text: 'vcenters:\n  - name: vc01.example.net\n    ip: 198.18.11.5\n' },
    { name: 'b.yaml', text: 'vcenters:\n  - name: VC01.example.net\n    ip: 198.18.11.6\n' },
  ]);
  assert.deepEqual(described(clash.problems), ['b.yaml:2: vCenter VC01.example.net differs from its entry in a.yaml:2']);
});
