import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Json } from '../kube/decode.ts';
import { keyOf } from '../kube/object-meta.ts';
import { decodeObject, encodeObject } from '../kube/objects.ts';
import type { Pod } from '../kube/pod.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';
import { loadState, parseState } from '../kube/state-file.ts';
import { ClusterInformers } from '../kube-api/cluster-informers.ts';
import { PODS, POLICY_ENDPOINTS } from '../kube-api/informer.ts';
import { loadKubeConfig } from '../kube-api/kube-config.ts';
import { LeaderElection } from '../kube-api/leader-election.ts';
import { registerPods } from '../kube-api/register-pods.ts';
import { runKubectl, TestingApiServer } from '../kube-api/testing-api-server.ts';
import { logger } from '../log.ts';
import { Cluster, type ClusterObject } from '../policy/cluster.ts';
import { EndpointsIndex } from './endpoints-index.ts';
import { FIELD_MANAGER, KubeController } from './kube-controller.ts';
import { MANAGED_BY } from './managed-endpoints.ts';
import { chunkName } from './policy-endpoints.ts';
import { converge } from './testing-cluster.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WALKTHROUGH = `${ROOT}/examples/walkthrough`;
const quiet = { ...logger('test'), info: () => {}, warn: () => {} };

let api: TestingApiServer;

before(async () => {
  api = await TestingApiServer.start();
  await api.installCrds(['policyendpoints']);
  const cluster = loadState([`${WALKTHROUGH}/cluster.yaml`]);
  await registerPods(loadKubeConfig(api.kubeconfig), cluster.allNamespaces(), cluster.allPods());
  // The walkthrough's Services, at the ClusterIPs the state gives them (inside the API server's range).
  const services = { apiVersion: 'v1', kind: 'List', items: cluster.allServices().map(encodeObject) };
  await api.kubectl(['apply', '-f', '-'], JSON.stringify(services));
});

after(async () => {
  await api?.stop();
});

async function getObjects(kinds: string): Promise<ClusterObject[]> {
  const list = JSON.parse(await api.kubectl(['get', kinds, '-A', '-o', 'json'])) as { items: Json[] };
  return list.items.map((item) => decodeObject(item));
}

/** The PolicyEndpoints in the API server, and those the model computes from its objects, by name. */
async function actualAndDesired() {
  const actual = (await getObjects('policyendpoints')) as PolicyEndpoint[];
  const objects = await getObjects('namespaces,pods,services,networkpolicies');
  const desired = new EndpointsIndex(Cluster.of(objects)).all();
  // Entries keep their place as the controller packs them over time, as AWS's does: lists compare as sets.
  const sorted = <T>(entries: readonly T[] | undefined) =>
    (entries ?? []).map((entry) => JSON.stringify(entry)).sort();
  const specs = (endpoints: PolicyEndpoint[]) =>
    Object.fromEntries(
      endpoints.map((endpoint) => {
        const { spec } = decodeObject(encodeObject(endpoint)) as PolicyEndpoint;
        return [
          endpoint.metadata.name,
          {
            ...spec,
            ingress: sorted(spec.ingress),
            egress: sorted(spec.egress),
            podSelectorEndpoints: sorted(spec.podSelectorEndpoints),
          },
        ];
      }),
    );
  return { actual: specs(actual), desired: specs(desired), endpoints: actual };
}

const converged = (timeoutMs?: number): Promise<PolicyEndpoint[]> => converge(actualAndDesired, timeoutMs);

function startController(identity: string, kubeconfig = api.kubeconfig) {
  const config = loadKubeConfig(kubeconfig);
  const leader = new LeaderElection(
    config,
    { namespace: 'kube-system', name: 'palisade-controller', identity, leaseSeconds: 3, retryMs: 300 },
    quiet,
  );
  const controller = new KubeController(config, { log: quiet }, leader);
  leader.start();
  void controller.start();
  const stop = async () => {
    controller.stop();
    await leader.stop();
  };
  return { controller, leader, stop };
}

test('the controller writes the PolicyEndpoints of the walkthrough, owned by their policies, as its field manager', async () => {
  // Someone else's PolicyEndpoint under the name the controller gives the first policy's: taken over.
  const taken = chunkName({ namespace: 'default', name: 'demo-app-deny-all' }, 0);
  await api.kubectl(
    ['apply', '-f', '-'],
    `apiVersion: networking.k8s.aws/v1alpha1
kind: PolicyEndpoint
metadata: {name: ${taken}, namespace: default, labels: {team: ops}}
spec:
  policyRef: {name: demo-app-deny-all, namespace: default}
  ingress: [{cidr: 0.0.0.0/0}]`,
  );
  const replica = startController('replica-a');
  try {
    for (const file of [
      '01-deny-all-ingress',
      '03-allow-ingress-from-samens-client-one',
      '04-allow-ingress-from-xns',
    ]) {
      await api.kubectl(['apply', '-f', `${WALKTHROUGH}/policies/${file}.yaml`]);
    }
    const endpoints = await converged();
    assert.equal(endpoints.length, 3);
    assert.deepEqual(endpoints.find((endpoint) => endpoint.metadata.name === taken)?.metadata.labels, {
      ...MANAGED_BY,
      team: 'ops',
    });
    const policies = (await getObjects('networkpolicies')).map((policy) => [
      policy.metadata.name,
      policy.metadata.uid,
    ]);
    const raw = JSON.parse(
      await api.kubectl(['get', 'policyendpoints', '-A', '-o', 'json', '--show-managed-fields']),
    ) as {
      items: {
        metadata: {
          ownerReferences: { kind: string; name: string; uid: string; controller: boolean }[];
          managedFields: { manager: string; operation: string }[];
        };
        spec: { policyRef: { name: string } };
      }[];
    };
    for (const item of raw.items) {
      const [owner] = item.metadata.ownerReferences;
      assert.equal(owner?.kind, 'NetworkPolicy');
      assert.equal(owner?.controller, true);
      assert.deepEqual(
        [owner?.name, owner?.uid],
        policies.find(([name]) => name === item.spec.policyRef.name),
      );
      assert.ok(
        item.metadata.managedFields.some(
          (field) => field.manager === FIELD_MANAGER && field.operation === 'Update',
        ),
      );
    }

    // A pod's label change reaches its PolicyEndpoints.
    await api.kubectl([
      'label',
      'pod',
      '-n',
      'another-ns',
      'another-client-one',
      'app=elsewhere',
      '--overwrite',
    ]);
    await converged();
    await api.kubectl([
      'label',
      'pod',
      '-n',
      'another-ns',
      'another-client-one',
      'app=another-client-one',
      '--overwrite',
    ]);
    await converged();

    // A PolicyEndpoint edited or deleted by hand is put back; one without a policy is removed.
    // (The controller watches their metadata: an edit not its own is fetched whole.)
    const [edited] = (await getObjects('policyendpoints')).filter(
      (endpoint) => endpoint.metadata.namespace === 'default',
    );
    assert.ok(edited, 'a PolicyEndpoint in default');
    await api.kubectl([
      'patch',
      'policyendpoints',
      '-n',
      'default',
      edited.metadata.name,
      '--type=merge',
      '-p',
      JSON.stringify({
        metadata: { labels: { team: 'ops' }, annotations: { note: 'kept' } },
        spec: {
          podSelector: { matchLabels: { extra: 'x' } },
          ingress: [{ cidr: '0.0.0.0/0' }],
          egress: [{ cidr: '10.9.9.9' }],
          podIsolation: [],
        },
      }),
    ]);
    await converged();
    // The controller's merge patch takes out what it does not want and leaves others' labels.
    const putBack = JSON.parse(
      await api.kubectl(['get', 'policyendpoints', '-n', 'default', edited.metadata.name, '-o', 'json']),
    ) as {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: { egress?: unknown[]; podSelector?: { matchLabels?: Record<string, string> } };
    };
    assert.deepEqual(putBack.spec.egress ?? [], []);
    assert.equal(putBack.spec.podSelector?.matchLabels?.extra, undefined);
    assert.deepEqual(putBack.metadata.labels, { ...MANAGED_BY, team: 'ops' });
    assert.equal(putBack.metadata.annotations?.note, 'kept');
    await api.kubectl(['delete', 'policyendpoints', '-n', 'default', '--all']);
    await converged();
  } finally {
    await replica.stop();
  }
  // A controller that starts on PolicyEndpoints already right, as the API gives them back, writes nothing.
  const next = startController('replica-b');
  try {
    const deadline = Date.now() + 15000;
    while (!next.leader.isLeader()) {
      assert.ok(Date.now() < deadline, 'the second controller leads within 15 s');
      await sleep(100);
    }
    await sleep(2000);
    assert.equal(next.controller.writes, 0);
  } finally {
    await next.stop();
  }
});

test('informers recover from an API server restart, with objects deleted and recreated meanwhile', async () => {
  const replica = startController('replica-a');
  const spare = await api.spareApiServer();
  try {
    await converged();
    await api.stopApiServer();
    try {
      const kubectlSpare = (args: string[]) => runKubectl(['--kubeconfig', spare.kubeconfig, ...args]);
      // During the outage: a policy goes, another comes, a pod is recreated with other labels.
      await kubectlSpare(['delete', 'networkpolicy', '-n', 'default', 'demo-app-allow-samens-client-one']);
      await kubectlSpare(['apply', '-f', `${WALKTHROUGH}/policies/06-deny-egress-from-client-one.yaml`]);
      // No kubelet confirms a graceful deletion here: the pod goes at once.
      await kubectlSpare([
        'delete',
        'pod',
        '-n',
        'another-ns',
        'another-client-one',
        '--grace-period=0',
        '--force',
      ]);
      const cluster = loadState([`${WALKTHROUGH}/cluster.yaml`]);
      const pod = cluster.allPods().find((candidate) => candidate.metadata.name === 'another-client-one');
      assert.ok(pod);
      await registerPods(
        loadKubeConfig(spare.kubeconfig),
        [],
        [{ ...pod, metadata: { ...pod.metadata, labels: { app: 'renamed' } } }],
      );
    } finally {
      await api.startApiServer();
    }
    const endpoints = await converged(30000);
    assert.deepEqual(endpoints.map((endpoint) => endpoint.spec.policyRef.name).sort(), [
      'client-one-deny-egress',
      'demo-app-allow-another-ns',
      'demo-app-deny-all',
    ]);
  } finally {
    await spare.stop();
    await replica.stop();
  }
});

test('two replicas: only the Lease holder writes, and the other takes over when it stops', async () => {
  const a = startController('replica-a');
  await sleep(500);
  const b = startController('replica-b');
  try {
    await converged();
    await sleep(1000);
    assert.equal(a.leader.isLeader() !== b.leader.isLeader(), true, 'exactly one replica leads');
    const [leader, follower] = a.leader.isLeader() ? [a, b] : [b, a];
    await api.kubectl(['apply', '-f', `${WALKTHROUGH}/policies/08-allow-egress-to-demo-app.yaml`]);
    await converged();
    assert.equal(follower.controller.writes, 0, 'the follower wrote nothing');
    await leader.stop();
    await api.kubectl([
      'apply',
      '-f',
      `${WALKTHROUGH}/policies/03-allow-ingress-from-samens-client-one.yaml`,
    ]);
    await converged();
    assert.ok(follower.leader.isLeader());
    assert.ok(follower.controller.writes > 0);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a claim that ran out while the event loop was busy counts as lost and gained again once renewed', async () => {
  const leader = new LeaderElection(
    loadKubeConfig(api.kubeconfig),
    { namespace: 'kube-system', name: 'lapse-test', identity: 'busy', leaseSeconds: 3, retryMs: 300 },
    quiet,
  );
  const changes: boolean[] = [];
  leader.onChange((leading) => changes.push(leading));
  leader.start();
  try {
    const deadline = Date.now() + 5000;
    while (!leader.isLeader() && Date.now() < deadline) await sleep(50);
    assert.deepEqual(changes, [true]);
    // Busy past the claim (two thirds of 3 s), as the controller is while it builds its index;
    // whatever asks then is refused, and must hear when the renewal makes it leader again.
    const busyUntil = Date.now() + 2500;
    while (Date.now() < busyUntil) {}
    assert.equal(leader.isLeader(), false);
    while (changes.length < 3 && Date.now() < busyUntil + 5000) await sleep(50);
    assert.deepEqual(changes, [true, false, true]);
    assert.ok(leader.isLeader());
  } finally {
    await leader.stop();
  }
});

test('two processes given the same identity do not both lead: the second waits while the first renews', async () => {
  const twin = () =>
    new LeaderElection(
      loadKubeConfig(api.kubeconfig),
      { namespace: 'kube-system', name: 'twin-test', identity: 'twin', leaseSeconds: 2, retryMs: 200 },
      quiet,
    );
  const [first, second] = [twin(), twin()];
  first.start();
  try {
    const deadline = Date.now() + 5000;
    while (!first.isLeader() && Date.now() < deadline) await sleep(50);
    assert.ok(first.isLeader());
    second.start();
    // Well past the lease: the first renews all along, so the second never takes it.
    for (let i = 0; i < 40; i++) {
      await sleep(100);
      assert.equal(first.isLeader() && second.isLeader(), false, 'both lead');
    }
    assert.ok(first.isLeader() && !second.isLeader());
    // Once the first stops, the second takes over.
    await first.stop();
    const handover = Date.now() + 5000;
    while (!second.isLeader() && Date.now() < handover) await sleep(50);
    assert.ok(second.isLeader());
  } finally {
    await Promise.all([first.stop(), second.stop()]);
  }
});

test('a Service created, changed and deleted shows in the PolicyEndpoints, at the ClusterIP the API server gave it', async () => {
  const objects = parseState(
    `apiVersion: v1
kind: Namespace
metadata: {name: svc-test}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: svc-test, labels: {app: server}}
spec: {nodeName: lab-node-1, containers: [{name: main, image: main, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.99.1.10, hostIP: 10.77.255.1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: svc-test, labels: {app: client}}
spec: {nodeName: lab-node-1, containers: [{name: main, image: main}]}
status: {podIP: 10.99.1.11, hostIP: 10.77.255.1}`,
    'svc-test.yaml',
  );
  await registerPods(
    loadKubeConfig(api.kubeconfig),
    objects.filter((object) => object.kind === 'Namespace'),
    objects.filter((object): object is Pod => object.kind === 'Pod'),
  );
  await api.kubectl(
    ['apply', '-f', '-'],
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-out, namespace: svc-test}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: server}}}], ports: [{port: 8080}]}]`,
  );
  const service = (port: number) => `apiVersion: v1
kind: Service
metadata: {name: server, namespace: svc-test}
spec: {selector: {app: server}, ports: [{name: http, port: ${port}, targetPort: http}]}`;
  /** The ClusterIP entries of the policy's PolicyEndpoints, once they equal the model's. */
  const clusterIpEntries = async () =>
    (await converged())
      .filter((endpoint) => endpoint.metadata.namespace === 'svc-test')
      .flatMap((endpoint) => endpoint.spec.egress ?? [])
      .filter((entry) => !entry.cidr.startsWith('10.99.'));
  const replica = startController('replica-svc');
  try {
    assert.deepEqual(await clusterIpEntries(), []);
    await api.kubectl(['apply', '-f', '-'], service(80));
    const clusterIP = (
      await api.kubectl(['get', 'service', '-n', 'svc-test', 'server', '-o', 'jsonpath={.spec.clusterIP}'])
    ).trim();
    assert.match(clusterIP, /^10\.96\./, 'the API server allocated a ClusterIP');
    assert.deepEqual(await clusterIpEntries(), [{ cidr: clusterIP, ports: [{ protocol: 'TCP', port: 80 }] }]);
    await api.kubectl(['apply', '-f', '-'], service(8443));
    assert.deepEqual(await clusterIpEntries(), [
      { cidr: clusterIP, ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
    await api.kubectl(['delete', 'service', '-n', 'svc-test', 'server']);
    assert.deepEqual(await clusterIpEntries(), []);
  } finally {
    await replica.stop();
    await api.kubectl(['delete', 'pods', '-n', 'svc-test', '--all', '--grace-period=0', '--force']);
    await api.kubectl(['delete', 'namespace', 'svc-test', '--wait=false']);
  }
});

test('the garbage collector deletes PolicyEndpoints with their NetworkPolicy, with no controller running', async () => {
  const before = await getObjects('policyendpoints');
  assert.ok(
    before.some((endpoint) => endpoint.metadata.name.startsWith('client-one-allow-egress-demo-app-')),
  );
  await api.kubectl(['delete', 'networkpolicy', '-n', 'default', 'client-one-allow-egress-demo-app']);
  const deadline = Date.now() + 30000;
  while (
    (await getObjects('policyendpoints')).some((endpoint) =>
      endpoint.metadata.name.startsWith('client-one-allow-egress-demo-app-'),
    )
  ) {
    assert.ok(Date.now() < deadline, 'the garbage collector removed the PolicyEndpoint within 30s');
    await sleep(300);
  }
});

/** A namespace of its own for the moves test: two servers whose named port `http` differ, a client. */
const MOVES = `
apiVersion: v1
kind: Namespace
metadata: {name: moves}
${[
  ['server-a', 'server', '10.99.0.10', 8080],
  ['server-b', 'server', '10.99.0.11', 9090],
  ['client', 'client', '10.99.0.2', 80],
]
  .map(
    ([name, app, ip, port]) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: moves, labels: {app: ${app}}}
spec:
  nodeName: lab-node-1
  containers: [{name: main, image: main, ports: [{name: http, containerPort: ${port}}]}]
status: {podIP: ${ip}, hostIP: 10.77.255.1}`,
  )
  .join('\n')}
`;

/** A PolicyEndpoint of the moves test's policy, as a controller could have left it. */
const movesEndpoint = (name: string, spec: string) => `---
apiVersion: networking.k8s.aws/v1alpha1
kind: PolicyEndpoint
metadata: {name: ${name}, namespace: moves, labels: {${Object.entries(MANAGED_BY).map(([k, v]) => `${k}: ${v}`)}}}
spec:
  policyRef: {name: servers-from-clients, namespace: moves}
  podSelector: {matchLabels: {app: server}}
  podIsolation: [Ingress]
  ${spec}
`;

test('an entry that moves to another PolicyEndpoint stays in one of them all along', async () => {
  const config = loadKubeConfig(api.kubeconfig);
  const objects = parseState(MOVES, 'moves.yaml');
  const pod = (name: string) => objects.find((object) => object.metadata.name === name) as Pod;
  const namespaces = objects.filter((object) => object.kind === 'Namespace');
  await registerPods(config, namespaces, [pod('server-a'), pod('client')]);
  // One entry a list in each: the first by name holds the selected pod and has room for an
  // address; the next holds the client's entry.
  const [first, next] = [
    'servers-from-clients-00000',
    chunkName({ namespace: 'moves', name: 'servers-from-clients' }, 0),
  ];
  assert.ok(first < next);
  await api.kubectl(
    ['apply', '-f', '-'],
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: servers-from-clients, namespace: moves}
spec:
  podSelector: {matchLabels: {app: server}}
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: http}]}]
${movesEndpoint(first, 'podSelectorEndpoints: [{hostIP: 10.77.255.1, podIP: 10.99.0.10, name: server-a, namespace: moves}]')}
${movesEndpoint(next, 'ingress: [{cidr: 10.99.0.2, ports: [{protocol: TCP, port: 8080}]}]')}`,
  );
  // The policy's ingress entries, as a watch sees them after each event.
  const held = new Map<string, PolicyEndpoint>();
  const states: { name: string; cidr: string; ports: string }[][] = [];
  const record = () =>
    states.push(
      [...held.values()].flatMap((endpoint) =>
        (endpoint.spec.ingress ?? []).map((entry) => ({
          name: endpoint.metadata.name,
          cidr: entry.cidr,
          ports: (entry.ports ?? []).map((port) => port.port).join(','),
        })),
      ),
    );
  const watch = new ClusterInformers(
    config,
    [POLICY_ENDPOINTS],
    {
      set: (object) => {
        if (object.kind !== 'PolicyEndpoint' || object.metadata.namespace !== 'moves') return;
        held.set(keyOf(object.metadata), object);
        record();
      },
      delete: (_, key) => held.delete(key) && record(),
    },
    quiet,
  );
  const controller = new KubeController(config, { log: quiet, chunkSize: 1 });
  watch.start();
  try {
    await watch.synced();
    await controller.start();
    const from = states.length;
    // A second server whose `http` is 9090 changes the client's entry: packed over what exists,
    // the new entry goes to the first PolicyEndpoint, which has room, and the old one leaves the next.
    await registerPods(config, [], [pod('server-b')]);
    const deadline = Date.now() + 20000;
    const last = () => states.at(-1) ?? [];
    while (!(last().length === 1 && last()[0]?.ports === '8080,9090')) {
      assert.ok(Date.now() < deadline, `the entry moved within 20 s; last seen ${JSON.stringify(last())}`);
      await sleep(100);
    }
    assert.equal(last()[0]?.name, first, 'the entry moved to the first PolicyEndpoint');
    for (const state of states.slice(from - 1))
      assert.ok(
        state.some((entry) => entry.cidr === '10.99.0.2'),
        `the client was missing from every PolicyEndpoint: ${JSON.stringify(states)}`,
      );
  } finally {
    controller.stop();
    watch.stop();
    // No kubelet confirms graceful deletions here: pods go at once, then the namespace can.
    await api.kubectl(['delete', 'pods', '-n', 'moves', '--all', '--grace-period=0', '--force']);
    await api.kubectl(['delete', 'namespace', 'moves']);
  }
});

test('informers stopped right after their first list deliver nothing more (the watch being made then is ended too)', async () => {
  const config = loadKubeConfig(api.kubeconfig);
  try {
    for (let round = 0; round < 3; round++) {
      const cluster = new Cluster();
      const informers = new ClusterInformers(config, [PODS], cluster, quiet);
      informers.start();
      await informers.synced();
      informers.stop();
      const labels = cluster.pod('default/client-one')?.metadata.labels;
      assert.ok(labels);
      await api.kubectl(['label', 'pod', '-n', 'default', 'client-one', `round=${round}`, '--overwrite']);
      await sleep(1500);
      assert.deepEqual(cluster.pod('default/client-one')?.metadata.labels, labels, `round ${round}`);
    }
  } finally {
    await api.kubectl(['label', 'pod', '-n', 'default', 'client-one', 'round-']);
  }
});
