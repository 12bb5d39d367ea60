import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeObject } from '../kube/objects.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';
import { MANAGED_BY, type ManagedEndpoint, ManagedEndpoints } from './managed-endpoints.ts';

const endpoint = (name: string, policy: string, labels: Record<string, string> = MANAGED_BY) =>
  decodeObject({
    apiVersion: 'networking.k8s.aws/v1alpha1',
    kind: 'PolicyEndpoint',
    metadata: { name, namespace: 'shop', labels },
    spec: {
      policyRef: { name: policy, namespace: 'shop' },
      podSelector: {},
      ingress: [{ cidr: '10.0.0.1' }],
    },
  }) as PolicyEndpoint;

const names = (endpoints: ManagedEndpoint[]) => endpoints.map((one) => one.metadata.name).sort();

test('our PolicyEndpoints are found by their policy; others are not ours to touch', () => {
  const managed = new ManagedEndpoints();
  assert.deepEqual(managed.set(endpoint('web-a', 'web')), ['shop/web']);
  assert.deepEqual(managed.set(endpoint('web-b', 'web')), ['shop/web']);
  assert.deepEqual(managed.set(endpoint('db-a', 'db')), ['shop/db']);
  assert.deepEqual(managed.set(endpoint('aws-a', 'web', { owner: 'aws' })), []);
  assert.deepEqual(names(managed.of('shop/web')), ['web-a', 'web-b']);
  assert.deepEqual([...managed.policies()].sort(), ['shop/db', 'shop/web']);
});

test('a PolicyEndpoint moved to another policy, or stripped of our label, leaves its old policy', () => {
  const managed = new ManagedEndpoints();
  managed.set(endpoint('x', 'web'));
  assert.deepEqual(managed.set(endpoint('x', 'db')), ['shop/web', 'shop/db']);
  assert.deepEqual(managed.of('shop/web'), []);
  assert.deepEqual(managed.set(endpoint('x', 'db', {})), ['shop/db']);
  assert.deepEqual([...managed.policies()], []);
});

test('deleting says which policy lost a PolicyEndpoint, and nothing for one never ours', () => {
  const managed = new ManagedEndpoints();
  managed.set(endpoint('web-a', 'web'));
  assert.equal(managed.delete('shop/web-a'), 'shop/web');
  assert.equal(managed.delete('shop/web-a'), undefined);
  assert.deepEqual(managed.of('shop/web'), []);
});
