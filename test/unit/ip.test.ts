import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIp, inPrefix, netmaskToPrefix, normalizeMac, parseCidr, parseIp } from '../../core/net/ip.js';

test('IPv4 and IPv6 parse and print as tshark prints them', () => {
  for (const [input, output] of [
    ['10.0.10.11', '10.0.10.11'],
    ['FE80::3EEC:EFFF:FE10:2030', 'fe80::3eec:efff:fe10:2030'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:198.18.0.1', '::ffff:198.18.0.1'],
    ['::1', '::1'],
    ['fe80::1%vmk0', 'fe80::1'],
  ]) {
    assert.equal(formatIp(parseIp(input)!), output, input);
  }
  for (const bad of ['10.0.0', '10.0.0.256', '1:2:3:4:5:6:7:8:9', '1::2::3', 'vmk0', '']) assert.equal(parseIp(bad), null, bad);
});

test('CIDR prefixes, netmasks and subnet membership', () => {
  const net = parseCidr('198.18.20.11/24')!;
  assert.equal(net.prefix, 24);
  assert.ok(inPrefix(parseIp('198.18.20.200')!, net));
  assert.ok(!inPrefix(parseIp('198.18.21.1')!, net));
  assert.ok(inPrefix(parseIp('2001:db8::ff')!, parseCidr('2001:db8::1/64')!));
  assert.ok(!inPrefix(parseIp('2001:db9::1')!, parseCidr('2001:db8::1/64')!));
  assert.equal(parseCidr('10.0.0.1/33'), null);
  assert.equal(netmaskToPrefix('255.255.255.0'), 24);
  assert.equal(netmaskToPrefix('255.255.0.255'), null);
  assert.equal(netmaskToPrefix('0.0.0.0'), 0);
});

test('MACs in any common spelling', () => {
  assert.equal(normalizeMac('00-50-56-AA-BB-CC'), '00:50:56:aa:bb:cc');
  assert.equal(normalizeMac('0050.56aa.bbcc'), '00:50:56:aa:bb:cc');
  assert.equal(normalizeMac('00:50:56:aa:bb'), null);
});
