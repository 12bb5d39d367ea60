import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FlowStore } from '../flows/flow-store.ts';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from '../policy/cluster.ts';
import { overview } from './overview.ts';

test('the overview counts policies, isolated and open pods per namespace, denied flows and agents', () => {
  const read = (file: string) =>
    readFileSync(new URL(`../../examples/walkthrough/${file}`, import.meta.url), 'utf8');
  const cluster = Cluster.of([
    ...parseState(read('cluster.yaml'), 'cluster.yaml'),
    ...parseState(read('policies/01-deny-all-ingress.yaml'), 'p1'),
  ]);
  const store = new FlowStore(':memory:');
  const now = 1_800_000_000_000;
  const denied = {
    node: 'lab-node-1',
    pod: 'default/demo-app',
    direction: 'ingress',
    verdict: 'deny',
    kind: 'denied',
    src: '10.77.1.11',
    sport: 1,
    dst: '10.77.1.10',
    dport: 80,
    protocol: 6,
    peer: 'another-ns/another-client-one',
  } as const;
  store.add([
    { ...denied, time: now - 30_000 },
    { ...denied, time: now - 90_000 },
    { ...denied, time: now - 2 * 3_600_000 },
  ]);
  const healthy = {
    name: 'lab-node-1',
    datapath: 'ebpf',
    agent: { healthy: true },
    pods: [],
    closed: [],
  } as const;
  const closed = {
    pod: 'default/web',
    node: 'lab-node-2',
    direction: 'ingress',
    reason: 'too many ports',
  } as const;
  const result = overview(
    cluster,
    store,
    [
      healthy,
      {
        ...healthy,
        name: 'lab-node-2',
        agent: { healthy: false },
        closed: [closed, { ...closed, direction: 'egress' }],
      },
    ],
    now,
  );
  assert.equal(result.policies, 1);
  assert.equal(result.pods, 4);
  assert.equal(result.isolatedPods, 1);
  assert.deepEqual(
    result.namespaces.find((namespace) => namespace.name === 'default'),
    {
      name: 'default',
      pods: 2,
      isolated: 1,
      ingressIsolated: 1,
      egressIsolated: 0,
      policies: 1,
    },
  );
  assert.equal(result.flows.length, 60);
  assert.equal(
    result.flows.reduce((sum, bucket) => sum + bucket.denied, 0),
    2,
    'the last hour only',
  );
  assert.equal(result.flows.at(-1)?.denied, 1);
  assert.deepEqual(
    result.topDenied.map((pair) => [pair.pod, pair.peer, pair.port, pair.count]),
    [['default/demo-app', 'another-ns/another-client-one', 80, 2]],
  );
  assert.deepEqual(result.agents, {
    total: 2,
    healthy: 1,
    unhealthy: ['lab-node-2'],
    closedPods: ['default/web'],
  });
});
