import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addon } from './addon.ts';
import {
  addressText,
  CONNTRACK_DEFAULT_ENTRIES,
  decodeLpmKey,
  decodePodState,
  encodeLpmKey,
  encodePodState,
  LAYOUT,
  MAX_PORT_RANGES,
  MODE,
  RULE_SETS_MAX_ENTRIES,
  RULES_MAX_ENTRIES,
} from './layout.ts';

test('the TypeScript codec states the same sizes and offsets as the C compiler made of palisade.h', () => {
  const compiled = addon().layout();
  assert.equal(compiled.maxPortRanges, MAX_PORT_RANGES);
  assert.equal(compiled.conntrackDefaultEntries, CONNTRACK_DEFAULT_ENTRIES);
  assert.equal(compiled.rulesMaxEntries, RULES_MAX_ENTRIES);
  assert.equal(compiled.ruleSetsMaxEntries, RULE_SETS_MAX_ENTRIES);
  for (const [name, expected] of Object.entries(LAYOUT)) {
    const actual = compiled[name];
    assert.ok(actual, `the addon reports struct ${name}`);
    assert.equal(actual.size, expected.size, `sizeof(struct ${name})`);
    assert.deepEqual(actual.offsets, expected.offsets, `offsets of struct ${name}`);
  }
});

test('LPM keys carry the family before the address, so prefixes of one family never cover the other', () => {
  const v4 = encodeLpmKey(4, 0x0a000000n, 8);
  assert.deepEqual(
    [...v4.subarray(0, 10)],
    [16, 0, 0, 0, 4, 10, 0, 0, 0, 0],
    '8 + 8 bits: family, then 10/8',
  );
  const v6 = encodeLpmKey(6, 0n, 0);
  assert.deepEqual([...v6.subarray(0, 5)], [8, 0, 0, 0, 6], '::/0 is 8 bits: the family byte alone');
  assert.deepEqual(decodeLpmKey(encodeLpmKey(6, 0xfd00n << 112n, 16)), {
    family: 6,
    network: 0xfd00n << 112n,
    prefix: 16,
  });
  assert.deepEqual(decodeLpmKey(v4), { family: 4, network: 0x0a000000n, prefix: 8 });
});

test('pod_state carries the node’s addresses, one of each family', () => {
  const state = {
    ingressMode: MODE.enforce,
    egressMode: MODE.allowAll,
    activeSlot: 1,
    podId: 7,
    nodeIPs: ['10.77.255.1', 'fd00:77::1'],
  } as const;
  assert.deepEqual(decodePodState(encodePodState(state)), state);
  assert.throws(() => encodePodState({ ...state, nodeIPs: ['node-1'] }), /node address "node-1"/);
});

test('an IPv6 packet’s IPv4-mapped address reads as IPv6', () => {
  const mapped = Buffer.from('00000000000000000000ffff0a4d0105', 'hex');
  assert.equal(addressText(mapped), '10.77.1.5');
  assert.equal(addressText(mapped, 4), '10.77.1.5');
  assert.match(addressText(mapped, 6), /^::ffff:/);
});
