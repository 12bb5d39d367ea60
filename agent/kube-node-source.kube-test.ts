import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadKubeConfig } from '../server/kube-api/kube-config.ts';
import { TestingApiServer } from '../server/kube-api/testing-api-server.ts';
import { logger } from '../server/log.ts';
import { KubeNodeSource } from './kube-node-source.ts';

/**
 * An agent's view of a real API server: the ClusterPolicyEndpoints it enforces beside the
 * PolicyEndpoints, and endpoints that hold what Palisade cannot read.
 */
const CRDS = ['policyendpoints', 'clusterpolicyendpoints'];
const quiet = { ...logger('test'), info: () => {}, warn: () => {} };
let api: TestingApiServer;

before(async () => {
  api = await TestingApiServer.start();
  await api.installCrds(CRDS);
});

after(async () => {
  await api?.stop();
});

/** lab-node-1's view of the test's API server. */
const nodeSource = () =>
  new KubeNodeSource(loadKubeConfig(api.kubeconfig), {
    node: 'lab-node-1',
    netns: '',
    strict: false,
    log: quiet,
  });

/** Waits until `done()` holds, failing with `what` after 10 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    assert.ok(Date.now() < deadline, what);
    await sleep(100);
  }
}

test('a PolicyEndpoint the agent cannot read is kept aside with the pods and directions it may isolate', async () => {
  const file = join(api.dir, 'unreadable.yaml');
  // A newer AWS controller's deny entry: valid for the CRD, not something Palisade can enforce as written.
  writeFileSync(
    file,
    `apiVersion: networking.k8s.aws/v1alpha1
kind: PolicyEndpoint
metadata: {name: deny-entry, namespace: default}
spec:
  policyRef: {name: deny-entry, namespace: default}
  podSelectorEndpoints: [{podIP: 10.77.1.10, hostIP: 10.77.255.1, name: demo-app, namespace: default}]
  podIsolation: [Egress]
  egress: [{cidr: 10.0.0.0/8, action: Deny}]
`,
  );
  await api.kubectl(['apply', '-f', file]);
  const source = nodeSource();
  try {
    await source.start();
    await until(
      () => !!source.read()?.unreadable?.length,
      'the agent learns of the PolicyEndpoint it cannot read',
    );
    const [unreadable] = source.read()?.unreadable ?? [];
    assert.equal(unreadable?.key, 'default/deny-entry');
    assert.deepEqual(unreadable?.pods, ['default/demo-app']);
    assert.deepEqual(unreadable?.directions, ['Egress']);
    assert.match(unreadable?.reason ?? '', /spec\.egress\[0\]\.action/);
    assert.equal(source.read()?.endpoints.length, 0, 'it is not read as something else');
    // Deleted, it closes nothing any more.
    await api.kubectl(['delete', '-f', file]);
    await until(() => !source.read()?.unreadable?.length, 'the deletion is seen');
  } finally {
    source.stop();
  }
});

test('the agent reads ClusterPolicyEndpoints; one it cannot read closes the pods it lists', async () => {
  const file = join(api.dir, 'cluster.yaml');
  writeFileSync(
    file,
    `apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterPolicyEndpoint
metadata: {name: admin-deny}
spec:
  policyRef: {name: admin-deny}
  tier: Admin
  priority: 10
  podSelectorEndpoints: [{podIP: 10.77.1.10, hostIP: 10.77.255.1, name: demo-app, namespace: default}]
  egress: [{cidr: 10.0.0.0/8, action: Deny}]
---
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterPolicyEndpoint
metadata: {name: by-domain}
spec:
  policyRef: {name: by-domain}
  tier: Baseline
  priority: 3
  podSelectorEndpoints: [{podIP: 10.77.1.11, hostIP: 10.77.255.1, name: client-one, namespace: default}]
  egress: [{domainName: example.com, action: Deny}]
`,
  );
  await api.kubectl(['apply', '-f', file]);
  const source = nodeSource();
  try {
    await source.start();
    await until(
      () => !!source.read()?.unreadable?.length && !!source.read()?.clusterEndpoints.length,
      'the agent learns of both ClusterPolicyEndpoints',
    );
    const [endpoint] = source.read()?.clusterEndpoints ?? [];
    assert.equal(endpoint?.spec.tier, 'Admin');
    assert.deepEqual(endpoint?.spec.egress, [{ cidr: '10.0.0.0/8', action: 'Deny' }]);
    const [unreadable] = source.read()?.unreadable ?? [];
    assert.equal(unreadable?.kind, 'ClusterPolicyEndpoint');
    assert.equal(unreadable?.key, 'by-domain');
    assert.deepEqual(unreadable?.pods, ['default/client-one']);
    assert.match(unreadable?.reason ?? '', /spec\.egress\[0\]\.domainName/);
    await api.kubectl(['delete', '-f', file]);
    await until(
      () => !source.read()?.unreadable?.length && !source.read()?.clusterEndpoints.length,
      'the deletions are seen',
    );
  } finally {
    source.stop();
  }
});
