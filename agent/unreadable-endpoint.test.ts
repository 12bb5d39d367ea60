import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unreadableEndpoint } from './unreadable-endpoint.ts';

test('an unreadable PolicyEndpoint closes the pods it lists in the directions it isolates', () => {
  const raw = {
    spec: {
      podIsolation: ['Ingress'],
      podSelectorEndpoints: [{ namespace: 'shop', name: 'web', podIP: 'not an ip' }],
      ingress: [{ cidr: 'garbage' }],
    },
  };
  assert.deepEqual(unreadableEndpoint('PolicyEndpoint', 'shop/pe', 'bad cidr', raw), {
    kind: 'PolicyEndpoint',
    key: 'shop/pe',
    reason: 'bad cidr',
    pods: ['shop/web'],
    directions: ['Ingress'],
  });
});

test('when not even its pods or directions can be read, every pod of its namespace closes both ways', () => {
  const raw = { spec: { podIsolation: 'Ingress', podSelectorEndpoints: [{ podIP: '10.0.0.1' }] } };
  assert.deepEqual(unreadableEndpoint('PolicyEndpoint', 'shop/pe', 'why', raw), {
    kind: 'PolicyEndpoint',
    key: 'shop/pe',
    reason: 'why',
    directions: ['Ingress', 'Egress'],
  });
  assert.deepEqual(unreadableEndpoint('PolicyEndpoint', 'shop/pe', 'why', { spec: null }).directions, [
    'Ingress',
    'Egress',
  ]);
});
