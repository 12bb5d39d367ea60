import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from './flow.ts';
import { FlowStore } from './flow-store.ts';

const T0 = 1_800_000_000_000;
const flow = (ms: number, overrides: Partial<Flow> = {}): Flow => ({
  time: T0 + ms,
  node: 'lab-node-1',
  pod: 'default/demo-app',
  direction: 'ingress',
  verdict: 'deny',
  kind: 'denied',
  src: '10.77.2.10',
  sport: 40000,
  dst: '10.77.1.10',
  dport: 80,
  protocol: 6,
  peer: 'another-ns/client',
  ...overrides,
});

test('the histogram counts matching flows per verdict in equal slices of time', () => {
  const store = new FlowStore(':memory:');
  store.add([
    flow(0),
    flow(999),
    flow(1000, { verdict: 'allow', kind: 'new-flow' }),
    flow(5999),
    flow(6000),
    flow(-1),
    flow(2500, { pod: 'other/pod' }),
  ]);
  const buckets = store.histogram({ since: T0, until: T0 + 6000, pod: 'default/demo-app' }, 6);
  assert.deepEqual(
    buckets.map((bucket) => [bucket.start - T0, bucket.allowed, bucket.denied]),
    [
      [0, 0, 2],
      [1000, 1, 0],
      [2000, 0, 0],
      [3000, 0, 0],
      [4000, 0, 0],
      [5000, 0, 2],
    ],
    'the last slice ends at `until`, inclusive',
  );
  store.close();
});

test('top pairs: the most frequent pod, peer and port first, then the latest, an address when no pod was the peer', () => {
  const store = new FlowStore(':memory:');
  store.add([
    flow(1),
    flow(2, { sport: 40001 }),
    flow(3, { peer: undefined, src: '192.0.2.9' }),
    flow(4, { dport: 53, protocol: 17 }),
    flow(5, { verdict: 'allow', kind: 'new-flow' }),
  ]);
  assert.deepEqual(store.topPairs({ verdict: 'deny' }, 3), [
    {
      pod: 'default/demo-app',
      peer: 'another-ns/client',
      direction: 'ingress',
      port: 80,
      protocol: 6,
      count: 2,
      last: T0 + 2,
    },
    {
      pod: 'default/demo-app',
      peer: 'another-ns/client',
      direction: 'ingress',
      port: 53,
      protocol: 17,
      count: 1,
      last: T0 + 4,
    },
    {
      pod: 'default/demo-app',
      peer: '192.0.2.9',
      direction: 'ingress',
      port: 80,
      protocol: 6,
      count: 1,
      last: T0 + 3,
    },
  ]);
  store.close();
});
