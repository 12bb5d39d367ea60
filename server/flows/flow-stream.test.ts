import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from './flow.ts';
import { FlowStream } from './flow-stream.ts';

const flow = (i: number): Flow => ({
  time: i,
  node: 'lab-node-1',
  direction: 'ingress',
  verdict: 'deny',
  kind: 'denied',
  src: '10.77.2.10',
  sport: i,
  dst: '10.77.1.10',
  dport: 80,
  protocol: 6,
});

test('every reader gets the flows; a slow one loses its oldest, and publishing never waits', () => {
  const stream = new FlowStream(5);
  let wakes = 0;
  const fast = stream.subscribe(() => {
    wakes++;
  });
  const slow = stream.subscribe(() => {});
  stream.publish([flow(1), flow(2)]);
  assert.deepEqual(
    fast.drain().map((item) => item.sport),
    [1, 2],
  );
  stream.publish(Array.from({ length: 8 }, (_, i) => flow(3 + i)));
  assert.deepEqual(
    fast.drain().map((item) => item.sport),
    [6, 7, 8, 9, 10],
  );
  assert.equal(fast.dropped, 3);
  assert.deepEqual(
    slow.drain().map((item) => item.sport),
    [6, 7, 8, 9, 10],
  );
  assert.equal(slow.dropped, 5);
  assert.equal(wakes, 2);
  slow.close();
  fast.close();
  assert.equal(stream.size, 0);
});
