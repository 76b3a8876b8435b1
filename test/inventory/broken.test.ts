/**
 * Broken samples: each gives the problem it should, on the line it should, and nothing is
 * imported silently. A file with several mistakes reports all of them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { described, loadSamples, SAMPLES } from './helpers.js';

/** Line of the first line starting with `prefix` in a sample. */
function lineOf(sample: string, prefix: string): number {
  return fs.readFileSync(path.join(SAMPLES, sample), 'utf8').split('\n').findIndex((l) => l.startsWith(prefix)) + 1;
}

/** Each case: the samples loaded together, and the problems expected as [where, message pattern]. */
const CASES: { samples: string[]; problems: [string, RegExp][] }[] = [
  {
    samples: ['broken/esx01.ipv4-truncated.txt'],
    problems: [['broken/esx01.ipv4-truncated.txt:6', /^esxcli network ip interface ipv4 get: row has 4 values where the table has 7 columns \(Name, IPv4 Address, IPv4 Netmask, IPv4 Broadcast, Address Type, Gateway, DHCP DNS\)/]],
  },
  {
    samples: ['broken/esx01.ipv4-bad-netmask.txt'],
    problems: [['broken/esx01.ipv4-bad-netmask.txt:4', /^vmk1: netmask 255\.255\.0\.255 is not a contiguous IPv4 netmask/]],
  },
  {
    samples: ['broken/tags-without-vmk.txt'],
    problems: [['broken/tags-without-vmk.txt:1', /^tag get output without the vmk it belongs to: paste it with its command line/]],
  },
  {
    samples: ['esx01-session.txt', 'broken/esx01-readdressed.txt'],
    problems: [
      [
        'broken/esx01-readdressed.txt:4',
        new RegExp(`^esx01 vmk1: address 198\\.18\\.20\\.21/24 contradicts 198\\.18\\.20\\.11/24 \\(esx01-session\\.txt:${lineOf('esx01-session.txt', 'vmk1  198.18.20.11')}\\)$`),
      ],
    ],
  },
  {
    samples: ['broken/malformed.yaml'],
    problems: [['broken/malformed.yaml:6', /^YAML syntax: /]],
  },
  {
    samples: ['broken/malformed.json'],
    problems: [['broken/malformed.json:7', /^JSON syntax: a comma before \] is not allowed in JSON$/]],
  },
  {
    samples: ['broken/bad-values.yaml'],
    problems: [
      ['broken/bad-values.yaml:6', /^host esx01\.example\.net vmk0: ip 198\.18\.10\.300\/24 is not an IPv4 or IPv6 address with a prefix length$/],
      ['broken/bad-values.yaml:7', /^host esx01\.example\.net vmk0: mac 00:50:56:zz:01:10 is not a MAC address/],
      ['broken/bad-values.yaml:8', /^host esx01\.example\.net vmk0: vlan must be a whole number from 0 to 4094 \(got 4095\)$/],
      ['broken/bad-values.yaml:9', /^host esx01\.example\.net vmk0: unknown service vmotoin \(did you mean vmotion\?\); known: management, vmotion, /],
      ['broken/bad-values.yaml:11', /^host esx01\.example\.net vmk1: ip 198\.18\.20\.11 needs a prefix length \(CIDR, such as 198\.18\.20\.11\/24\)$/],
      ['broken/bad-values.yaml:12', /^host esx01\.example\.net vmk1: gateway is IPv6 but ip is IPv4$/],
      ['broken/bad-values.yaml:13', /^host esx01\.example\.net vmk1: unknown key servcies \(did you mean services\?\); known: device, ip, /],
      ['broken/bad-values.yaml:14', /^host esx01\.example\.net: vmk1 is listed twice \(first at line 10\)$/],
      ['broken/bad-values.yaml:16', /^host ESX01\.example\.net is listed twice \(first at line 2\)$/],
    ],
  },
  {
    samples: ['broken/truncated-xml.txt'],
    problems: [['broken/truncated-xml.txt:12', /^esxcli XML: <structure> is never closed \(output cut short\?\)$/]],
  },
  {
    samples: ['broken/netconfig-array.csv'],
    problems: [3, 4, 5].map((line) => [`broken/netconfig-array.csv:${line}`, /^SelectedVnic is System\.String\[\]: Export-Csv wrote the array's type name/] as [string, RegExp]),
  },
  {
    samples: ['broken/vswitch-list.txt'],
    problems: [['broken/vswitch-list.txt', /^not a format vmkscope imports \(known: canonical YAML\/JSON; PowerCLI .*; esxcli \(text\)\); see docs\/inventory\.md$/]],
  },
];

for (const { samples, problems } of CASES) {
  test(`broken: ${samples.join(' + ')}`, () => {
    const got = described(loadSamples(...samples).problems);
    assert.equal(got.length, problems.length, `problems:\n${got.join('\n')}`);
    problems.forEach(([where, message], i) => {
      assert.ok(got[i].startsWith(`${where}: `), `expected ${where}, got ${got[i]}`);
      assert.match(got[i].slice(where.length + 2), message);
    });
  });
}

test('every broken sample has a case', () => {
  const used = new Set(CASES.flatMap((c) => c.samples));
  const broken = fs.readdirSync(path.join(SAMPLES, 'broken')).map((f) => `broken/${f}`);
  assert.deepEqual(broken.filter((b) => !used.has(b)), []);
});
