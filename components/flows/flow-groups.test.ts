import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from '../../server/flows/flow.ts';
import { decidedBy, flowsToCsv, groupFlows } from './flow-groups.ts';

const flow = (time: number, overrides: Partial<Flow> = {}): Flow => ({
  time,
  node: 'lab-node-1',
  pod: 'default/demo-app',
  direction: 'ingress',
  verdict: 'deny',
  kind: 'denied',
  src: '10.77.1.11',
  sport: 40000 + time,
  dst: '10.77.1.10',
  dport: 80,
  protocol: 6,
  ...overrides,
});

test('repeated flows (same pair, port and verdict; any source port) collapse with a count', () => {
  const groups = groupFlows([
    flow(5),
    flow(4, { verdict: 'allow', kind: 'new-flow' }),
    flow(3),
    flow(2, { dport: 81 }),
    flow(1),
  ]);
  assert.deepEqual(
    groups.map((group) => [group.flow.time, group.count, group.first, group.last]),
    [
      [5, 3, 1, 5],
      [4, 1, 4, 4],
      [2, 1, 2, 2],
    ],
  );
});

test('a denied flow names the isolating policies of the side that denied it', () => {
  const isolation = { ingress: ['default/deny-all', 'default/web'], egress: [] };
  assert.equal(decidedBy(flow(1), isolation), 'default deny: isolated by default/deny-all, default/web');
  assert.equal(decidedBy(flow(1, { direction: 'egress' }), isolation), 'denied (no policy isolates it now)');
  assert.equal(decidedBy(flow(1), undefined), 'default deny');
  assert.equal(decidedBy(flow(1, { verdict: 'allow', policy: 'default/web' }), isolation), 'default/web');
  assert.equal(decidedBy(flow(1, { verdict: 'allow' }), undefined), 'not isolated');
});

test('a flow a cluster tier decided names its ClusterNetworkPolicy (the tier says it is one), allowed or denied', () => {
  const isolation = { ingress: ['default/deny-all'], egress: [] };
  assert.equal(
    decidedBy(flow(1, { tier: 'Admin', policy: 'isolate-another-ns' }), isolation),
    'isolate-another-ns',
  );
  assert.equal(
    decidedBy(flow(1, { verdict: 'allow', tier: 'Baseline', policy: 'dns-for-everyone' }), undefined),
    'dns-for-everyone',
  );
  assert.equal(
    decidedBy(flow(1, { tier: 'NetworkPolicy' }), isolation),
    'default deny: isolated by default/deny-all',
  );
  assert.equal(decidedBy(flow(1, { verdict: 'allow', tier: 'NetworkPolicy' }), undefined), 'a NetworkPolicy');
  assert.equal(decidedBy(flow(1, { verdict: 'allow', tier: 'None' }), undefined), 'not isolated');
  assert.equal(
    decidedBy(flow(1, { tier: 'Baseline' }), isolation),
    'a ClusterNetworkPolicy',
    'one the agent could not name',
  );
  assert.equal(
    groupFlows([flow(2, { tier: 'Admin' }), flow(1, { tier: 'NetworkPolicy' })]).length,
    2,
    'a flow the Admin tier denied is no repeat of one a NetworkPolicy denied',
  );
});

test('what the kernel decided on its own says so, before any policy', () => {
  const isolation = { ingress: ['default/deny-all'], egress: [] };
  assert.equal(decidedBy(flow(1, { reason: 'cut' }), isolation), 'cut by policy change');
  assert.equal(
    decidedBy(flow(1, { verdict: 'allow', kind: 'new-flow', reason: 'node' }), isolation),
    'node traffic (kubelet)',
  );
  assert.equal(
    decidedBy(flow(1, { reason: 'icmp', protocol: 1 }), isolation),
    'ICMP error of no allowed flow',
  );
  assert.equal(decidedBy(flow(1, { reason: 'fragment' }), isolation), 'fragment of no allowed datagram');
  assert.equal(decidedBy(flow(1, { reason: 'deny-all' }), isolation), 'direction closed (deny all)');
  assert.equal(
    decidedBy(flow(1, { reason: 'policy' }), isolation),
    'default deny: isolated by default/deny-all',
  );
  assert.equal(
    groupFlows([flow(2, { reason: 'cut' }), flow(1, { reason: 'policy' })]).length,
    2,
    'a cut flow is no repeat of one the policy denied',
  );
});

test('CSV export: a header, one line per row, fields quoted when they must be', () => {
  const csv = flowsToCsv([
    { flow: flow(0, { peer: 'a/b' }), count: 2, policy: 'default deny: isolated by x/y, x/z' },
    { flow: flow(1, { tier: 'Admin', policy: 'guard' }), count: 1, policy: 'guard' },
  ]);
  assert.equal(
    csv,
    'time,pod,direction,verdict,tier,src,sport,dst,dport,protocol,peer,policy,count\n' +
      '1970-01-01T00:00:00.000Z,default/demo-app,ingress,deny,None,10.77.1.11,40000,10.77.1.10,80,6,a/b,"default deny: isolated by x/y, x/z",2\n' +
      '1970-01-01T00:00:00.001Z,default/demo-app,ingress,deny,Admin,10.77.1.11,40001,10.77.1.10,80,6,,guard,1\n',
  );
});
