import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { ClusterPolicyEndpoint } from '../kube/cluster-policy-endpoint.ts';
import type { Json } from '../kube/decode.ts';
import { decodeObject, encodeObject } from '../kube/objects.ts';
import { loadState } from '../kube/state-file.ts';
import { loadKubeConfig } from '../kube-api/kube-config.ts';
import { registerPods } from '../kube-api/register-pods.ts';
import { TestingApiServer } from '../kube-api/testing-api-server.ts';
import { logger } from '../log.ts';
import { Cluster, type ClusterObject } from '../policy/cluster.ts';
import { EndpointsIndex } from './endpoints-index.ts';
import { FIELD_MANAGER, KubeController } from './kube-controller.ts';
import { converge } from './testing-cluster.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WALKTHROUGH = `${ROOT}/examples/walkthrough`;
const TIERS = `${ROOT}/examples/tiers/cluster-policies.yaml`;
const quiet = { ...logger('test'), info: () => {}, warn: () => {} };
const CHUNK = 2;

let api: TestingApiServer;

before(async () => {
  api = await TestingApiServer.start();
  await api.installCrds(['clusternetworkpolicies', 'clusterpolicyendpoints', 'policyendpoints']);
  const cluster = loadState([`${WALKTHROUGH}/cluster.yaml`]);
  await registerPods(loadKubeConfig(api.kubeconfig), cluster.allNamespaces(), cluster.allPods());
});

after(async () => {
  await api?.stop();
});

async function getObjects(kinds: string): Promise<ClusterObject[]> {
  const list = JSON.parse(await api.kubectl(['get', kinds, '-A', '-o', 'json'])) as { items: Json[] };
  return list.items.map((item) => decodeObject(item));
}

/** The ClusterPolicyEndpoints in the API server and those the model computes, by policy, lists as sets. */
async function actualAndDesired() {
  const actual = (await getObjects('clusterpolicyendpoints')) as ClusterPolicyEndpoint[];
  const objects = await getObjects('namespaces,pods,services,networkpolicies,clusternetworkpolicies');
  const desired = new EndpointsIndex(Cluster.of(objects), CHUNK).allCluster();
  // Entries stay where the controller packed them over time: compare each policy's entries as sets.
  const byPolicy = (endpoints: readonly ClusterPolicyEndpoint[]) => {
    const result: Record<string, { tier: string; priority: number; lists: Record<string, string[]> }> = {};
    for (const endpoint of endpoints) {
      const { spec } = decodeObject(encodeObject(endpoint)) as ClusterPolicyEndpoint;
      const entry = result[spec.policyRef.name] ?? {
        tier: spec.tier,
        priority: spec.priority,
        lists: { ingress: [], egress: [], podSelectorEndpoints: [] },
      };
      for (const list of ['ingress', 'egress', 'podSelectorEndpoints'] as const)
        entry.lists[list]?.push(...(spec[list] ?? []).map((item) => JSON.stringify(item)));
      result[spec.policyRef.name] = entry;
    }
    for (const entry of Object.values(result)) for (const items of Object.values(entry.lists)) items.sort();
    return result;
  };
  return { actual: byPolicy(actual), desired: byPolicy(desired), endpoints: actual };
}

const converged = (timeoutMs?: number): Promise<ClusterPolicyEndpoint[]> =>
  converge(actualAndDesired, timeoutMs);

/** Applies a manifest and returns kubectl's error, or undefined when it was accepted. */
async function applyError(manifest: string): Promise<string | undefined> {
  return api.kubectl(['apply', '-f', '-'], manifest).then(
    () => undefined,
    (error: Error) => error.message,
  );
}

const cnp = (spec: string) => `apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: probe}
spec:
${spec.replace(/^/gm, '  ')}`;

test('the CRD validates ClusterNetworkPolicies as AWS’s does', async () => {
  const subject = 'subject: {namespaces: {}}';
  assert.match((await applyError(cnp(`tier: Admin\npriority: 1001\n${subject}`))) ?? '', /spec\.priority/);
  assert.match((await applyError(cnp(`tier: Developer\npriority: 1\n${subject}`))) ?? '', /spec\.tier/);
  assert.match(
    (await applyError(
      cnp(
        'tier: Admin\npriority: 1\nsubject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}',
      ),
    )) ?? '',
    /spec\.subject/,
  );
  assert.match(
    (await applyError(
      cnp(
        `tier: Admin\npriority: 1\n${subject}\ningress: [{action: Deny, from: [{namespaces: {}}], ports: [{portRange: {start: 90, end: 80}}]}]`,
      ),
    )) ?? '',
    /Start port must be less than End port/,
  );
  assert.match(
    (await applyError(
      cnp(`tier: Admin\npriority: 1\n${subject}\ningress: [{action: Allow, from: [{namespaces: {}}]}]`),
    )) ?? '',
    /spec\.ingress\[0\]\.action/,
  );
  assert.equal(await applyError(cnp(`tier: Baseline\npriority: 0\n${subject}`)), undefined);
  await api.kubectl(['delete', 'clusternetworkpolicy', 'probe']);
});

test('the controller writes ClusterPolicyEndpoints in AWS’s shape, chunked, owned by their policies, and follows changes', async () => {
  const config = loadKubeConfig(api.kubeconfig);
  const controller = new KubeController(config, { log: quiet, chunkSize: CHUNK });
  void controller.start();
  try {
    await api.kubectl(['apply', '-f', TIERS]);
    let endpoints = await converged();
    const policies = (await getObjects('clusternetworkpolicies')).map((policy) => [
      policy.metadata.name,
      policy.metadata.uid,
    ]);
    assert.deepEqual(policies.map(([name]) => name).sort(), [
      'dns-for-everyone',
      'isolate-another-ns',
      'kube-system-closed',
    ]);
    const raw = JSON.parse(
      await api.kubectl(['get', 'clusterpolicyendpoints', '-o', 'json', '--show-managed-fields']),
    ) as {
      items: {
        metadata: {
          ownerReferences: { kind: string; name: string; uid: string; controller: boolean }[];
          managedFields: { manager: string; operation: string }[];
        };
        spec: { policyRef: { name: string }; tier: string; priority: number };
      }[];
    };
    for (const item of raw.items) {
      const [owner] = item.metadata.ownerReferences;
      assert.equal(owner?.kind, 'ClusterNetworkPolicy');
      assert.equal(owner?.controller, true);
      assert.deepEqual(
        [owner?.name, owner?.uid],
        policies.find(([name]) => name === item.spec.policyRef.name),
      );
      assert.ok(item.metadata.managedFields.some((field) => field.manager === FIELD_MANAGER));
    }
    const isolate = endpoints.filter((endpoint) => endpoint.spec.policyRef.name === 'isolate-another-ns');
    assert.ok(isolate.every((endpoint) => endpoint.spec.tier === 'Admin' && endpoint.spec.priority === 10));
    // Egress: a Deny entry for each pod of default (demo-app and client-one), by pod IP, and for the
    // ClusterIP of the API server's Service there (`kubernetes`: no selector, so the namespaces peer
    // stands for it, as AWS's controller has it), in chunks of CHUNK.
    const serviceIP = (
      JSON.parse(await api.kubectl(['get', 'service', '-n', 'default', 'kubernetes', '-o', 'json'])) as {
        spec: { clusterIP: string };
      }
    ).spec.clusterIP;
    const walkthrough = loadState([`${WALKTHROUGH}/cluster.yaml`]);
    const podIP = (name: string) => walkthrough.pod(`default/${name}`)?.podIP;
    const isolateEgress = () =>
      endpoints
        .filter((endpoint) => endpoint.spec.policyRef.name === 'isolate-another-ns')
        .flatMap((endpoint) => endpoint.spec.egress ?? []);
    assert.deepEqual(
      isolateEgress()
        .map((entry) => `${entry.action} ${entry.cidr}`)
        .sort(),
      [`Deny ${serviceIP}`, `Deny ${podIP('demo-app')}`, `Deny ${podIP('client-one')}`].sort(),
    );
    // dns-for-everyone accepts UDP 53 from all four pods: two chunks of two.
    const dns = endpoints.filter((endpoint) => endpoint.spec.policyRef.name === 'dns-for-everyone');
    assert.equal(dns.length, 2);
    for (const endpoint of dns) {
      assert.equal(endpoint.spec.ingress?.length, 2);
      for (const entry of endpoint.spec.ingress ?? [])
        assert.deepEqual(JSON.parse(JSON.stringify(entry.ports)), [{ protocol: 'UDP', port: 53 }]);
    }

    // A pod that goes leaves the entries of the policies it was a peer of, and comes back with its return.
    await api.kubectl(['delete', 'pod', '-n', 'default', 'client-one', '--grace-period=0', '--force']);
    endpoints = await converged();
    assert.equal(isolateEgress().length, 2);
    const clientOne = walkthrough.pod('default/client-one');
    assert.ok(clientOne);
    await registerPods(config, [], [clientOne]);
    endpoints = await converged();
    assert.equal(isolateEgress().length, 3);
    // A ClusterPolicyEndpoint deleted by hand is put back; a policy deleted takes its endpoints along.
    await api.kubectl(['delete', 'clusterpolicyendpoints', '--all']);
    await converged();
    await api.kubectl(['delete', 'clusternetworkpolicy', 'kube-system-closed']);
    endpoints = await converged();
    assert.ok(endpoints.every((endpoint) => endpoint.spec.policyRef.name !== 'kube-system-closed'));
    assert.ok(endpoints.length > 0);
  } finally {
    controller.stop();
  }
});
