import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeNodeSource } from '../agent/kube-node-source.ts';
import { KubeController } from '../server/controller/kube-controller.ts';
import { loadState } from '../server/kube/state-file.ts';
import { loadKubeConfig } from '../server/kube-api/kube-config.ts';
import { LeaderElection } from '../server/kube-api/leader-election.ts';
import { registerPods } from '../server/kube-api/register-pods.ts';
import { TestingApiServer } from '../server/kube-api/testing-api-server.ts';
import { logger } from '../server/log.ts';

const DEPLOY = resolve(import.meta.dirname);
const WALKTHROUGH = resolve(DEPLOY, '../examples/walkthrough');
const quiet = { ...logger('test'), info: () => {}, warn: () => {} };

let api: TestingApiServer;

before(async () => {
  api = await TestingApiServer.start();
});

after(async () => {
  await api?.stop();
});

/** A kubeconfig acting as one of deploy/'s ServiceAccounts. */
async function kubeconfigOf(serviceAccount: string): Promise<string> {
  const token = (await api.kubectl(['create', 'token', serviceAccount, '-n', 'palisade-system'])).trim();
  const path = join(api.dir, `kubeconfig-${serviceAccount}`);
  api.writeKubeconfig(path, api.url, token);
  return path;
}

async function can(serviceAccount: string, ...request: string[]): Promise<boolean> {
  const as = `--as=system:serviceaccount:palisade-system:${serviceAccount}`;
  const answer = await api.kubectl(['auth', 'can-i', as, ...request]).catch((error: Error) => error.message);
  return answer.trim() === 'yes';
}

test('every manifest of deploy/ passes a server-side dry run, then applies', async () => {
  await api.kubectl(['apply', '-k', join(DEPLOY, 'namespace')]);
  for (const base of [DEPLOY, join(DEPLOY, 'read-only')]) {
    const out = await api.kubectl(['apply', '-k', base, '--dry-run=server']);
    assert.match(out, /deployment.apps\/palisade-dashboard created \(server dry run\)/);
  }
  await api.kubectl(['apply', '-k', DEPLOY]);
  for (const crd of ['policyendpoints', 'clusternetworkpolicies', 'clusterpolicyendpoints'])
    await api.crdEstablished(crd);
  const kinds = await api.kubectl([
    'get',
    'deployments,daemonsets,services',
    '-n',
    'palisade-system',
    '-o',
    'name',
  ]);
  assert.deepEqual(kinds.trim().split('\n').sort(), [
    'daemonset.apps/palisade-agent',
    'deployment.apps/palisade-controller',
    'deployment.apps/palisade-dashboard',
    'service/palisade-dashboard',
  ]);
});

test('each component’s RBAC grants what it uses and nothing more', async () => {
  const expectations: [string, string[], boolean][] = [
    ['palisade-controller', ['patch', 'policyendpoints.networking.k8s.aws', '-n', 'default'], true],
    ['palisade-controller', ['delete', 'policyendpoints.networking.k8s.aws', '-n', 'default'], true],
    ['palisade-controller', ['watch', 'networkpolicies.networking.k8s.io', '-A'], true],
    ['palisade-controller', ['patch', 'networkpolicies.networking.k8s.io', '-n', 'default'], false],
    ['palisade-controller', ['watch', 'services', '-A'], true],
    ['palisade-controller', ['patch', 'services', '-n', 'default'], false],
    ['palisade-controller', ['update', 'leases/palisade-controller', '-n', 'palisade-system'], true],
    ['palisade-controller', ['update', 'leases/kube-scheduler', '-n', 'palisade-system'], false],
    ['palisade-controller', ['get', 'secrets', '-n', 'palisade-system'], false],
    ['palisade-agent', ['watch', 'pods', '-A'], true],
    ['palisade-agent', ['watch', 'policyendpoints.networking.k8s.aws', '-A'], true],
    ['palisade-agent', ['patch', 'policyendpoints.networking.k8s.aws', '-n', 'default'], false],
    ['palisade-agent', ['list', 'secrets', '-A'], false],
    ['palisade-agent', ['watch', 'services', '-A'], false],
    ['palisade-dashboard', ['watch', 'services', '-A'], true],
    ['palisade-dashboard', ['create', 'tokenreviews.authentication.k8s.io'], true],
    ['palisade-dashboard', ['create', 'subjectaccessreviews.authorization.k8s.io'], true],
    ['palisade-dashboard', ['impersonate', 'users'], false],
    ['palisade-dashboard', ['impersonate', 'serviceaccounts'], false],
    ['palisade-dashboard', ['patch', 'networkpolicies.networking.k8s.io', '-n', 'default'], false],
    ['palisade-dashboard', ['get', 'secrets', '-n', 'palisade-system'], false],
    ['palisade-controller', ['watch', 'clusternetworkpolicies.networking.k8s.aws'], true],
    ['palisade-controller', ['patch', 'clusternetworkpolicies.networking.k8s.aws'], false],
    ['palisade-controller', ['patch', 'clusterpolicyendpoints.networking.k8s.aws'], true],
    ['palisade-controller', ['delete', 'clusterpolicyendpoints.networking.k8s.aws'], true],
    ['palisade-dashboard', ['watch', 'clusternetworkpolicies.networking.k8s.aws'], true],
    ['palisade-dashboard', ['patch', 'clusternetworkpolicies.networking.k8s.aws'], false],
    ['palisade-agent', ['watch', 'clusterpolicyendpoints.networking.k8s.aws'], true],
    ['palisade-agent', ['patch', 'clusterpolicyendpoints.networking.k8s.aws'], false],
  ];
  for (const [account, request, expected] of expectations) {
    assert.equal(await can(account, ...request), expected, `${account} ${request.join(' ')}`);
  }
});

test('the controller and an agent do their work with only their ServiceAccount’s rights', async () => {
  const cluster = loadState([`${WALKTHROUGH}/cluster.yaml`]);
  await registerPods(loadKubeConfig(api.kubeconfig), cluster.allNamespaces(), cluster.allPods());
  await api.kubectl(['apply', '-f', `${WALKTHROUGH}/policies/01-deny-all-ingress.yaml`]);

  const controllerConfig = loadKubeConfig(await kubeconfigOf('palisade-controller'));
  const leader = new LeaderElection(
    controllerConfig,
    { namespace: 'palisade-system', name: 'palisade-controller', identity: 'test', retryMs: 300 },
    quiet,
  );
  const controller = new KubeController(controllerConfig, { log: quiet }, leader);
  leader.start();
  const agentSource = new KubeNodeSource(loadKubeConfig(await kubeconfigOf('palisade-agent')), {
    node: 'lab-node-1',
    netns: '',
    strict: false,
    log: quiet,
  });
  try {
    await controller.start();
    await agentSource.start();
    const deadline = Date.now() + 15000;
    while (agentSource.read()?.endpoints.length !== 1) {
      assert.ok(Date.now() < deadline, 'the agent sees the PolicyEndpoint the controller wrote');
      await sleep(100);
    }
    assert.ok(leader.isLeader());
    const [endpoint] = agentSource.read()?.endpoints ?? [];
    assert.equal(endpoint?.spec.policyRef.name, 'demo-app-deny-all');
  } finally {
    controller.stop();
    agentSource.stop();
    await leader.stop();
  }
});
