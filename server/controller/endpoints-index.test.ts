import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeObject } from '../kube/objects.ts';
import { EndpointsIndex } from './endpoints-index.ts';
import { clusterOf, podYaml } from './testing-cluster.ts';

const policy = (name: string, namespace: string, spec: object) =>
  JSON.stringify({ kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

function setup() {
  const cluster = clusterOf(
    'kind: Namespace\nmetadata: {name: shop, labels: {env: prod}}',
    'kind: Namespace\nmetadata: {name: ops}',
    podYaml('shop', 'web', { app: 'web' }, '10.77.0.1'),
    podYaml('shop', 'db', { app: 'db' }, '10.77.0.2'),
    podYaml('ops', 'probe', { app: 'probe' }, '10.77.1.1'),
    policy('web-in', 'shop', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: {} }] }],
    }),
    policy('db-in', 'shop', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
    }),
    policy('ops-out', 'ops', {
      podSelector: {},
      egress: [{ to: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }] }],
    }),
    policy('ops-alone', 'ops', { podSelector: { matchLabels: { app: 'nothing' } } }),
  );
  return new EndpointsIndex(cluster);
}

const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string) =>
  decodeObject(JSON.parse(podYaml(namespace, name, labels, ip)));

test('a pod label change updates only the policies that select the pod or name it as a peer', () => {
  const index = setup();
  const change = index.set(pod('shop', 'db', { app: 'web' }, '10.77.0.2'));
  // db now looks like web: it leaves db-in, joins web-in, and becomes a peer of db-in; ops-out sees it in shop.
  assert.deepEqual([...change.updated.keys()].sort(), ['shop/db-in', 'shop/web-in']);
  assert.equal(change.rebuilt, 0);
  assert.deepEqual(
    index.of('shop/db-in')[0]?.spec.ingress?.map((entry) => entry.cidr),
    ['10.77.0.1', '10.77.0.2'],
  );
  assert.deepEqual(index.of('shop/db-in')[0]?.spec.podSelectorEndpoints, []);
});

test('a namespace label change updates the policies with namespace selectors', () => {
  const index = setup();
  const change = index.set(
    decodeObject({ kind: 'Namespace', metadata: { name: 'shop', labels: { env: 'dev' } } }),
  );
  assert.deepEqual([...change.updated.keys()], ['ops/ops-out']);
  assert.equal(change.rebuilt, 0);
  assert.deepEqual(index.of('ops/ops-out')[0]?.spec.egress, []);
});

test('policies come and go with their PolicyEndpoints; pods without effect change nothing', () => {
  const index = setup();
  assert.deepEqual(index.delete('NetworkPolicy', 'shop/web-in').removed, ['shop/web-in']);
  assert.equal(index.of('shop/web-in').length, 0);
  const unrelated = index.set(pod('elsewhere', 'lonely', { app: 'x' }, '10.77.9.9'));
  assert.equal(unrelated.updated.size, 0);
  assert.equal(index.all().length, 3);
  const removedPod = index.delete('Pod', 'shop/web');
  assert.deepEqual([...removedPod.updated.keys()].sort(), ['ops/ops-out', 'shop/db-in']);
});
