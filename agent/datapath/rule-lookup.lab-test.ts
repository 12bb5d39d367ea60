import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatCidr, parseCidr } from '../../server/net/ip.ts';
import { TCP_FLAGS } from '../lab/frames.ts';
import { addon } from './addon.ts';
import { IsolatedPod, type IsolatedPodRules, tcpEntry, VERDICT } from './isolated-pod.ts';
import { encodeExactKey, encodeLpmKey, LAYOUT, RULE_SET_INDEX_SIZE } from './layout.ts';

/**
 * Rules for an address: whole addresses (/32, /128) in the exact-match hash map, shorter prefixes
 * in the trie, each holding the index of its rule set in the slot's map of distinct sets, checked with real packets through the pod's real programs (BPF_PROG_TEST_RUN), in a
 * network namespace of its own (not the lab's: no lab lock).
 */
const pod = new IsolatedPod(`plrules${process.pid}`);
/** A pod whose sets maps hold two rule sets. */
const small = new IsolatedPod(`plsets${process.pid}`, { ruleSetsMaxEntries: 2 });
const POD_V4 = '10.81.0.1';
const POD_V6 = 'fd00:81::1';
const { pass: PASS, drop: DROP } = VERDICT;

/** Ingress isolated; what each peer may reach, with whole addresses inside, beside and excepted from CIDRs. */
const rules: IsolatedPodRules = {
  podIsolation: ['Ingress'],
  ingress: [
    // 80 from the /16 but its /24, and never from 10.80.0.7.
    tcpEntry('10.80.0.0/16', [80], ['10.80.1.0/24', '10.80.0.7/32']),
    // A pod IP inside the excepted /24: its own port only.
    tcpEntry('10.80.1.5', [443]),
    // A pod IP inside the /16: its own port and the /16's.
    tcpEntry('10.80.0.9', [22]),
    tcpEntry('10.80.3.3', [80]),
    tcpEntry('::ffff:10.90.4.4', [80]),
    tcpEntry('fd00:80::5', [80]),
    tcpEntry('fd00:80::/64', [8080], ['fd00:80::6/128']),
  ],
};

before(async () => {
  await pod.start([POD_V4, POD_V6], rules);
  await small.start([POD_V4], { podIsolation: ['Ingress'], ingress: [tcpEntry('10.82.0.0/16', [80])] });
});
after(() => {
  pod.stop();
  small.stop();
});

/** The u32 a pinned map of the pod holds under `key`, or null. */
function lookup(target: IsolatedPod, map: string, key: Buffer, valueSize: number): Buffer | null {
  const fd = addon().openPinned(`${target.pins}/${map}`);
  try {
    return addon().mapLookup(fd, key, valueSize);
  } finally {
    addon().closeFd(fd);
  }
}

let nextPort = 20000;
/** The ingress program's verdict on a SYN from `peer` to the pod's `port` (a new flow each time). */
function verdict(peer: string, port: number): number {
  const v6 = peer.includes(':');
  return pod.tcp('ingress', peer, v6 ? POD_V6 : POD_V4, nextPort++, port, TCP_FLAGS.syn);
}

test('whole addresses are in the exact map, shorter prefixes in the trie, each with the union of the rules covering it', () => {
  const rules = pod.datapath.liveRules('ingress').map(({ map, block, ranges }) => ({
    map,
    cidr: formatCidr(block),
    ports: ranges.map((range) => range.start).sort((a, b) => a - b),
  }));
  const of = (cidr: string) => rules.find((rule) => rule.cidr === cidr);
  assert.deepEqual(of('10.80.0.9/32'), { map: 'exact', cidr: '10.80.0.9/32', ports: [22, 80] });
  assert.deepEqual(of('10.80.1.5/32'), { map: 'exact', cidr: '10.80.1.5/32', ports: [443] });
  assert.deepEqual(of('10.80.0.7/32'), { map: 'exact', cidr: '10.80.0.7/32', ports: [] });
  assert.deepEqual(of('fd00:80::6/128'), { map: 'exact', cidr: 'fd00:80::6/128', ports: [] });
  assert.deepEqual(of('10.80.0.0/16'), { map: 'prefix', cidr: '10.80.0.0/16', ports: [80] });
  assert.deepEqual(of('10.80.1.0/24'), { map: 'prefix', cidr: '10.80.1.0/24', ports: [] });
  assert.ok(
    rules.every((rule) => (rule.map === 'exact') === /\/(32|128)$/.test(rule.cidr)),
    'no whole address in the trie, no shorter prefix in the exact map',
  );
});

test('an exact hit is the answer: the union of covering rules, and nothing for an excepted address', () => {
  // Inside the /16 with a rule of its own: both ports.
  assert.equal(verdict('10.80.0.9', 22), PASS);
  assert.equal(verdict('10.80.0.9', 80), PASS);
  assert.equal(verdict('10.80.0.9', 443), DROP);
  // Inside the excepted /24: its own rule alone (the trie's /24 allows nothing).
  assert.equal(verdict('10.80.1.5', 443), PASS);
  assert.equal(verdict('10.80.1.5', 80), DROP);
  // An excepted /32 inside the /16: the exact entry allows nothing, the /16 does not apply.
  assert.equal(verdict('10.80.0.7', 80), DROP);
  assert.equal(verdict('fd00:80::6', 8080), DROP);
});

test('a miss in the exact map falls back to the trie', () => {
  assert.equal(verdict('10.80.2.2', 80), PASS);
  assert.equal(verdict('10.80.2.2', 443), DROP);
  assert.equal(verdict('10.80.1.6', 80), DROP, 'in the excepted /24');
  assert.equal(verdict('fd00:80::7', 8080), PASS);
  assert.equal(verdict('10.79.0.1', 80), DROP, 'in no rule');
});

test('IPv4 and IPv6 entries never match each other, IPv4-mapped addresses included', () => {
  assert.equal(verdict('10.80.3.3', 80), PASS);
  assert.equal(verdict('::ffff:10.80.3.3', 80), DROP, 'an IPv6 packet from the mapped form of an IPv4 entry');
  assert.equal(verdict('::ffff:10.90.4.4', 80), PASS);
  assert.equal(verdict('10.90.4.4', 80), DROP, 'an IPv4 packet from the address of an IPv6 (mapped) entry');
  assert.equal(verdict('fd00:80::5', 80), PASS);
  assert.equal(verdict('::ffff:10.80.2.2', 80), DROP, 'the IPv4 /16 does not cover a mapped IPv6 address');
});

test('each distinct rule set is stored once: entries with the same rules hold the same index into the sets map', () => {
  const slot = pod.datapath.state().activeSlot;
  const indexOf = (cidr: string) => {
    const block = parseCidr(cidr);
    if (!block) throw new Error(`${cidr} is not a CIDR`);
    const exact = block.prefix === (block.family === 4 ? 32 : 128);
    const value = exact
      ? lookup(pod, `ingress_exact_${slot}`, encodeExactKey(block.family, block.network), RULE_SET_INDEX_SIZE)
      : lookup(
          pod,
          `ingress_rules_${slot}`,
          encodeLpmKey(block.family, block.network, block.prefix),
          RULE_SET_INDEX_SIZE,
        );
    assert.ok(value, `${cidr} has an entry`);
    return value.readUInt32LE();
  };
  // Port 80 of the one policy: a /32 and the /16 share it; so do the addresses that allow nothing.
  assert.equal(indexOf('10.80.3.3/32'), indexOf('10.80.0.0/16'));
  assert.equal(indexOf('10.80.0.7/32'), indexOf('10.80.1.0/24'));
  assert.equal(indexOf('10.80.0.7/32'), indexOf('fd00:80::6/128'));
  assert.notEqual(indexOf('10.80.0.9/32'), indexOf('10.80.0.0/16'), '22 and 80 is not 80 alone');
  // As many indexes in use as distinct sets, numbered from 0, each holding a set of its own.
  const live = pod.datapath.liveRules('ingress');
  const distinct = new Set(live.map(({ ranges }) => JSON.stringify(ranges)));
  const indexes = new Set(live.map(({ block }) => indexOf(formatCidr(block))));
  assert.equal(indexes.size, distinct.size);
  assert.ok(distinct.size < live.length, 'fewer sets than entries');
  assert.deepEqual(
    [...indexes].sort((a, b) => a - b),
    [...distinct].map((_, i) => i),
  );
  const stored = [...indexes].map((index) => {
    const key = Buffer.alloc(RULE_SET_INDEX_SIZE);
    key.writeUInt32LE(index);
    return lookup(pod, `ingress_sets_${slot}`, key, LAYOUT.rule_value.size)?.toString('hex');
  });
  assert.equal(new Set(stored).size, stored.length, 'no set stored twice');
});

test('rules needing more distinct sets than the array holds are refused, naming the map, and the live rules stay', async () => {
  const before = small.datapath.state();
  const threeSets = {
    podIsolation: ['Ingress'],
    ingress: [80, 443, 8080].map((port, i) => tcpEntry(`10.83.${i}.0/24`, [port])),
  } as const;
  await assert.rejects(
    small.program([POD_V4], threeSets),
    /ingress rules of pod veth0 need 3 distinct rule sets; ingress_sets_[01] holds 2 \(ruleSetsMaxEntries\)/,
  );
  assert.deepEqual(small.datapath.state(), before, 'no flip');
  assert.equal(small.tcp('ingress', '10.82.1.1', POD_V4, 30000, 80, TCP_FLAGS.syn), PASS);
  assert.equal(small.tcp('ingress', '10.83.0.1', POD_V4, 30001, 80, TCP_FLAGS.syn), DROP);
});
