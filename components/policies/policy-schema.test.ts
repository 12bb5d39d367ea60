import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldsAt, valuesOf } from './policy-schema.ts';
import { kindAt } from './yaml-paths.ts';

const labels = (suggestions: { label: string }[]) => suggestions.map((s) => s.label);

test('completion follows the kind of the document: NetworkPolicy or ClusterNetworkPolicy', () => {
  assert.deepEqual(labels(fieldsAt(['spec'])), ['podSelector', 'policyTypes', 'ingress', 'egress']);
  assert.deepEqual(labels(fieldsAt(['spec'], 'ClusterNetworkPolicy')), [
    'tier',
    'priority',
    'subject',
    'ingress',
    'egress',
  ]);
  assert.deepEqual(labels(valuesOf(['spec'], 'tier', 'ClusterNetworkPolicy')), ['Admin', 'Baseline']);
  assert.deepEqual(labels(valuesOf(['spec', 'egress'], 'action', 'ClusterNetworkPolicy')), [
    'Accept',
    'Deny',
    'Pass',
  ]);
  assert.deepEqual(labels(fieldsAt(['spec', 'egress', 'to'], 'ClusterNetworkPolicy')), [
    'namespaces',
    'pods',
    'networks',
  ]);
  assert.deepEqual(labels(fieldsAt(['spec', 'ingress', 'ports'], 'ClusterNetworkPolicy')), [
    'portNumber',
    'portRange',
    'namedPort',
  ]);
  assert.deepEqual(labels(valuesOf([], 'kind')), ['NetworkPolicy', 'ClusterNetworkPolicy']);
});

test('kindAt names the kind of the document holding a line', () => {
  const text = [
    'apiVersion: networking.k8s.io/v1',
    'kind: NetworkPolicy',
    'spec: {}',
    '---',
    'apiVersion: networking.k8s.aws/v1alpha1',
    'spec:',
    '  tier: Admin',
    'kind: ClusterNetworkPolicy',
  ].join('\n');
  assert.equal(kindAt(text, 3), 'NetworkPolicy');
  assert.equal(kindAt(text, 7), 'ClusterNetworkPolicy');
  assert.equal(kindAt('spec: {}', 1), undefined);
});
