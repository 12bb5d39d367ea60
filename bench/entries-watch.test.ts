import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeObject } from '../server/kube/objects.ts';
import type { PolicyEndpoint } from '../server/kube/policy-endpoint.ts';
import { EntriesWatch } from './entries-watch.ts';

const endpoint = (name: string, cidrs: string[]) =>
  decodeObject({
    apiVersion: 'networking.k8s.aws/v1alpha1',
    kind: 'PolicyEndpoint',
    metadata: { name, namespace: 'shop' },
    spec: {
      policyRef: { name: 'web-in', namespace: 'shop' },
      podIsolation: ['Ingress'],
      ingress: cidrs.map((cidr) => ({ cidr })),
    },
  }) as PolicyEndpoint;

const settled = async (promise: Promise<void>) =>
  Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
  ]);

test('a policy counts as right once its PolicyEndpoints hold the wanted entries, however spread', async () => {
  const watch = new EntriesWatch();
  const done = watch.until([endpoint('model-0', ['10.0.0.1', '10.0.0.2', '10.0.0.3'])]);
  watch.set(endpoint('a', ['10.0.0.1']));
  assert.equal(await settled(done), false, 'two entries missing');
  watch.set(endpoint('b', ['10.0.0.2', '10.0.0.3', '10.0.0.9']));
  assert.equal(await settled(done), false, 'one entry too many');
  watch.set(endpoint('b', ['10.0.0.2', '10.0.0.3']));
  assert.equal(await settled(done), true);
  assert.equal(watch.size, 2);
  assert.equal(watch.events, 3);
});

test('an entry that leaves one PolicyEndpoint but is still in another is still there', async () => {
  const watch = new EntriesWatch();
  watch.set(endpoint('a', ['10.0.0.1', '10.0.0.2']));
  watch.set(endpoint('b', ['10.0.0.2']));
  const done = watch.until([endpoint('model-0', ['10.0.0.2'])]);
  assert.equal(await settled(done), false);
  watch.delete('PolicyEndpoint', 'shop/a');
  assert.equal(await settled(done), true);
});
