import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ingestCounters } from '../flows/flow-service.ts';
import type { NetworkPolicy } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import { loadState, readStateObjects } from '../kube/state-file.ts';
import { AccessError } from '../kube-api/access-review.ts';
import { loadKubeConfig } from '../kube-api/kube-config.ts';
import { registerPods } from '../kube-api/register-pods.ts';
import { TestingApiServer } from '../kube-api/testing-api-server.ts';
import { SourceError } from './cluster-source.ts';
import { KubeSource } from './kube-source.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WALKTHROUGH = `${ROOT}/examples/walkthrough`;
const policy = (file: string) => readStateObjects([`${WALKTHROUGH}/policies/${file}`]) as NetworkPolicy[];

let api: TestingApiServer;
let source: KubeSource;
let alice: string;
let agentToken: string;
let otherToken: string;

before(async () => {
  api = await TestingApiServer.start();
  await api.kubectl(['apply', '-f', `${ROOT}/deploy/crd/policyendpoints.yaml`]);
  const cluster = loadState([`${WALKTHROUGH}/cluster.yaml`]);
  await registerPods(loadKubeConfig(api.kubeconfig), cluster.allNamespaces(), cluster.allPods());
  // alice may change NetworkPolicies in `default` only.
  alice = await api.policyEditorToken('default', 'alice');
  await api.kubectl(['create', 'namespace', 'palisade-system']);
  await api.kubectl(['create', 'serviceaccount', 'palisade-agent', '-n', 'palisade-system']);
  agentToken = await api.agentToken();
  otherToken = (await api.kubectl(['create', 'token', 'default', '-n', 'default'])).trim();
  // The dashboard runs with deploy/'s ServiceAccount and RBAC: it may read and review, not write.
  await api.kubectl(['apply', '-n', 'palisade-system', '-f', `${ROOT}/deploy/dashboard/rbac.yaml`]);
  const dashboardToken = (
    await api.kubectl(['create', 'token', 'palisade-dashboard', '-n', 'palisade-system'])
  ).trim();
  const dashboardConfig = join(api.dir, 'kubeconfig-dashboard');
  api.writeKubeconfig(dashboardConfig, api.url, dashboardToken);
  source = new KubeSource(loadKubeConfig(dashboardConfig), {
    readOnly: false,
    agentServiceAccount: 'palisade-system:palisade-agent',
  });
});

after(async () => {
  source?.stop();
  await api?.stop();
});

async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await sleep(100);
  }
}

test('the dashboard’s cluster is what the API server holds, kept current by informers', async () => {
  const cluster = await source.cluster();
  assert.deepEqual(
    cluster
      .allPods()
      .map((pod) => keyOf(pod.metadata))
      .sort(),
    ['another-ns/another-client-one', 'default/client-one', 'default/demo-app', 'kube-system/coredns'],
  );
  assert.equal(cluster.pod('default/demo-app')?.podIP, '10.77.1.10');
  await api.kubectl(['apply', '-f', `${WALKTHROUGH}/policies/01-deny-all-ingress.yaml`]);
  await eventually(() => cluster.policy('default/demo-app-deny-all') !== undefined, 'the new policy shows');
});

test('writes need the caller’s token, are checked by TokenReview and SubjectAccessReview, and are made with it', async () => {
  const allow = policy('03-allow-ingress-from-samens-client-one.yaml');
  await assert.rejects(
    source.authenticate({}),
    (error) => error instanceof AccessError && error.status === 401,
  );
  await assert.rejects(
    source.authenticate({ session: 'a-cookie-is-no-kubernetes-credential' }),
    (error) => error instanceof AccessError && error.status === 401,
  );
  await assert.rejects(
    source.authenticate({ bearer: 'not-a-token' }),
    (error) => error instanceof AccessError && error.status === 401,
  );
  const asAlice = await source.authenticate({ bearer: alice });
  assert.equal(asAlice.username, 'system:serviceaccount:default:alice');
  await assert.rejects(
    source.applyPolicies(allow, await source.authenticate({ bearer: otherToken })),
    (error) =>
      error instanceof AccessError &&
      error.status === 403 &&
      /may not patch NetworkPolicies in namespace default/.test(error.message),
  );
  assert.deepEqual(await source.applyPolicies(allow, asAlice), {
    applied: ['NetworkPolicy default/demo-app-allow-samens-client-one'],
  });
  const managers = JSON.parse(
    await api.kubectl([
      'get',
      'networkpolicy',
      '-n',
      'default',
      'demo-app-allow-samens-client-one',
      '-o',
      'json',
      '--show-managed-fields',
    ]),
  ) as { metadata: { managedFields: { manager: string }[] } };
  assert.ok(managers.metadata.managedFields.some((field) => field.manager === 'palisade-dashboard'));

  // alice may not write in another-ns: nothing of the request is applied.
  const crossNamespace = policy('04-allow-ingress-from-xns.yaml').map((item) => ({
    ...item,
    metadata: { ...item.metadata, name: 'second', namespace: 'another-ns' },
  }));
  await assert.rejects(
    source.applyPolicies([...policy('06-deny-egress-from-client-one.yaml'), ...crossNamespace], asAlice),
    (error) => error instanceof AccessError && error.status === 403,
  );
  await assert.rejects(
    api.kubectl(['get', 'networkpolicy', '-n', 'default', 'client-one-deny-egress']),
    /NotFound/,
  );

  // A policy the API server refuses (its namespace does not exist) stops the whole request at the dry run.
  await api.kubectl([
    'create',
    'clusterrole',
    'policy-editor-all',
    '--verb=get,create,patch',
    '--resource=networkpolicies.networking.k8s.io',
  ]);
  await api.kubectl([
    'create',
    'clusterrolebinding',
    'alice-everywhere',
    '--clusterrole=policy-editor-all',
    '--serviceaccount=default:alice',
  ]);
  const missing = crossNamespace.map((item) => ({
    ...item,
    metadata: { ...item.metadata, namespace: 'nowhere' },
  }));
  await assert.rejects(
    source.applyPolicies([...policy('06-deny-egress-from-client-one.yaml'), ...missing], asAlice),
    (error) => error instanceof SourceError && error.status === 404 && /nowhere/.test(error.message),
  );
  await assert.rejects(
    api.kubectl(['get', 'networkpolicy', '-n', 'default', 'client-one-deny-egress']),
    /NotFound/,
  );

  await source.deletePolicy('default/demo-app-allow-samens-client-one', asAlice);
  await assert.rejects(
    api.kubectl(['get', 'networkpolicy', '-n', 'default', 'demo-app-allow-samens-client-one']),
    /NotFound/,
  );
});

test('read-only mode refuses every write', async () => {
  const readOnly = new KubeSource(loadKubeConfig(api.kubeconfig), {
    readOnly: true,
    agentServiceAccount: 'palisade-system:palisade-agent',
  });
  await assert.rejects(
    readOnly.authenticate({ bearer: alice }),
    (error) => error instanceof SourceError && error.status === 405,
  );
  await assert.rejects(
    readOnly.applyPolicies(policy('01-deny-all-ingress.yaml'), await source.authenticate({ bearer: alice })),
    (error) => error instanceof SourceError && error.status === 405,
  );
  readOnly.stop();
});

test('PolicyEndpoints in the exact shape AWS’s controller writes are read as from a file', async () => {
  const fixture = `${ROOT}/server/kube/testdata/aws-policy-endpoint.yaml`;
  const [expected] = readStateObjects([fixture]);
  await api.kubectl(['create', 'namespace', 'shop']);
  await api.kubectl(['create', '-f', fixture]);
  const cluster = await source.cluster();
  await eventually(() => cluster.allPolicyEndpoints().length > 0, 'the PolicyEndpoint shows');
  const [endpoint] = cluster.allPolicyEndpoints();
  assert.deepEqual(endpoint?.spec, expected?.kind === 'PolicyEndpoint' ? expected.spec : undefined);
});

test('only the agents’ ServiceAccount may send flows, with a token made for the ingest, each for one node', async () => {
  // A token that names no node speaks for the first node it sends for, and for no other afterwards.
  const unbound = await source.authenticateAgent(agentToken);
  assert.equal(unbound?.speaksFor('lab-node-1'), true);
  assert.equal(unbound?.speaksFor('lab-node-2'), false, 'held to its first node');
  assert.equal((await source.authenticateAgent(agentToken))?.speaksFor('lab-node-2'), false);
  assert.equal((await source.authenticateAgent(agentToken))?.speaksFor('lab-node-1'), true);
  // A token bound to the agent's pod names the pod's node, and speaks for that node only.
  const podToken = await api.agentToken('lab-node-2');
  const bound = await source.authenticateAgent(podToken);
  assert.equal(bound?.speaksFor('lab-node-1'), false);
  assert.equal(bound?.speaksFor('lab-node-2'), true);
  const generalToken = (
    await api.kubectl(['create', 'token', 'palisade-agent', '-n', 'palisade-system'])
  ).trim();
  assert.equal(
    await source.authenticateAgent(generalToken),
    undefined,
    'a token for the API server is refused',
  );
  assert.equal(await source.authenticateAgent(otherToken), undefined);
  assert.equal(await source.authenticateAgent('garbage'), undefined);
});

test('the nodes are those that run pods; an agent counts as healthy once heard from, with its datapath as it told', async () => {
  const nodes = await source.nodes();
  assert.deepEqual(
    nodes.map((node) => [node.name, node.agent.healthy]),
    [
      ['lab-node-1', false],
      ['lab-node-2', false],
    ],
  );
  ingestCounters().lastBatch['lab-node-1'] = Date.now();
  ingestCounters().agentStatus['lab-node-1'] = {
    pods: { 'default/demo-app': { ingressId: 41, egressId: 42, adopted: true } },
    deniedPackets: 7,
    lostEvents: 1,
    mapFill: { 'default/demo-app': 0.25 },
  };
  const [first] = await source.nodes();
  assert.equal(first?.agent.healthy, true);
  assert.deepEqual(
    first?.pods.find((pod) => pod.pod === 'default/demo-app'),
    { pod: 'default/demo-app', ingressProgram: 41, egressProgram: 42, adopted: true },
  );
  assert.deepEqual(
    [first?.deniedPackets, first?.lostEvents, first?.mapFill],
    [7, 1, { 'default/demo-app': 0.25 }],
  );
  ingestCounters().agentStatus['lab-node-1'] = {
    ...ingestCounters().agentStatus['lab-node-1'],
    error: 'attach failed',
  } as never;
  const [failing] = await source.nodes();
  assert.deepEqual([failing?.agent.healthy, failing?.agent.error], [false, 'attach failed']);
});
