import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from '../../server/flows/flow.ts';
import {
  flowFilterFromQuery,
  flowFilterToQuery,
  historyQuery,
  matchesFlow,
  portOfText,
} from './flow-filter.ts';

const flow: Flow = {
  time: 1_000_000,
  node: 'lab-node-1',
  pod: 'default/demo-app',
  direction: 'ingress',
  verdict: 'deny',
  kind: 'denied',
  src: '10.77.1.11',
  sport: 40000,
  dst: '10.77.1.10',
  dport: 80,
  protocol: 6,
};

test('a flows view round-trips through the URL, and bad values are dropped', () => {
  const filter = {
    verdict: 'deny',
    direction: 'ingress',
    reason: 'cut',
    tier: 'Admin',
    namespace: 'default',
    port: 80,
    within: '5m',
  } as const;
  assert.deepEqual(flowFilterFromQuery(flowFilterToQuery(filter)), filter);
  assert.deepEqual(
    flowFilterFromQuery('?verdict=maybe&reason=luck&tier=admin&port=99999&within=1y&pod=default/demo-app'),
    {
      pod: 'default/demo-app',
    },
  );
});

test('a Port field holds a port, nothing, or something it says is not a port', () => {
  assert.deepEqual(portOfText('80'), { port: 80 });
  assert.deepEqual(portOfText(' 0 '), { port: 0 });
  assert.deepEqual(portOfText(''), {});
  for (const text of ['abc', '99999', '-1', '8.5', '1e2'])
    assert.deepEqual(portOfText(text), { error: 'must be 0–65535' }, text);
});

test('live flows are filtered as the server filters history', () => {
  const now = flow.time + 60_000;
  assert.equal(
    matchesFlow({ verdict: 'deny', namespace: 'default', port: 80, within: '5m' }, flow, now),
    true,
  );
  assert.equal(matchesFlow({ namespace: 'def' }, flow, now), false);
  assert.equal(matchesFlow({ direction: 'egress' }, flow, now), false);
  assert.equal(matchesFlow({ reason: 'cut' }, flow, now), false);
  assert.equal(matchesFlow({ reason: 'cut' }, { ...flow, reason: 'cut' }, now), true);
  assert.equal(matchesFlow({ within: '5m' }, flow, flow.time + 6 * 60_000), false);
  assert.equal(matchesFlow({ tier: 'Admin' }, { ...flow, tier: 'Admin' }, now), true);
  assert.equal(matchesFlow({ tier: 'Admin' }, { ...flow, tier: 'Baseline' }, now), false);
  assert.equal(matchesFlow({ tier: 'None' }, flow, now), true, 'a flow that does not say its tier is None');
  assert.equal(matchesFlow({ tier: 'NetworkPolicy' }, flow, now), false);
  assert.equal(
    historyQuery({ verdict: 'deny', within: '5m' }, now, 500),
    `?verdict=deny&since=${now - 300_000}&limit=500`,
  );
  assert.equal(
    historyQuery({ tier: 'Baseline', grouped: true }, now, 500),
    '?tier=Baseline&limit=500',
    'the server filters history by tier as the page filters live flows',
  );
});
