import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterObject } from '../policy/cluster.ts';
import { CLUSTER_NETWORK_POLICIES, Informer, NAMESPACES, NETWORK_POLICIES } from './informer.ts';
import { loadKubeConfig } from './kube-config.ts';
import { rawRequest } from './raw-request.ts';
import { runKubectl, TestingApiServer } from './testing-api-server.ts';

/** An informer of a kind the real API server does not serve yet (its CRD not installed). */
let api: TestingApiServer;

before(async () => {
  api = await TestingApiServer.start();
});
after(async () => {
  await api?.stop();
});

test('a kind the cluster does not serve is looked for less and less often, and picked up once its CRD is installed', async () => {
  const errors: string[] = [];
  const received: ClusterObject[] = [];
  const informer = new Informer(loadKubeConfig(api.kubeconfig), CLUSTER_NETWORK_POLICIES, {
    set: (object) => received.push(object),
    delete: () => {},
    invalid: () => {},
    error: (message) => errors.push(message),
  });
  informer.start();
  try {
    await informer.hasSynced();
    await sleep(4000);
    // Backing off from 100 ms, doubling: about five tries in 4 s (a retry every 100 ms made forty).
    assert.ok(
      errors.length >= 2 && errors.length <= 7,
      `${errors.length} tries in 4 s:\n${errors.join('\n')}`,
    );
    assert.match(errors[0] ?? '', /not served by the cluster \(is its CRD installed\?\); retrying in 100 ms/);
    await api.installCrds(['clusternetworkpolicies']);
    const file = join(api.dir, 'policy.yaml');
    writeFileSync(
      file,
      `apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: late}
spec:
  tier: Baseline
  priority: 1
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
`,
    );
    await api.kubectl(['apply', '-f', file]);
    const deadline = Date.now() + 20_000;
    while (received.length === 0) {
      assert.ok(Date.now() < deadline, 'the policy arrives once the kind is served');
      await sleep(100);
    }
    assert.equal(received[0]?.metadata.name, 'late');
  } finally {
    informer.stop();
  }
});

/** Waits until `seen` holds `count` events; after 30 s, fails with what it holds. */
async function untilSeen(seen: readonly string[], count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (seen.length < count) {
    assert.ok(Date.now() < deadline, `${count} events within 30 s, saw: ${seen.join(', ')}`);
    await sleep(100);
  }
}

const policy = (name: string, label = 'one') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: default, labels: {version: ${label}}}
spec: {podSelector: {}, policyTypes: [Ingress]}
`;

test('after an outage the informer lists again and hands out each change once: what went as deleted, what changed, nothing unchanged', async () => {
  const apply = (yaml: string, kubeconfig = api.kubeconfig) =>
    runKubectl(['--kubeconfig', kubeconfig, 'apply', '-f', '-'], yaml);
  for (const name of ['kept', 'gone', 'changed']) await apply(policy(name));
  const seen: string[] = [];
  const informer = new Informer(loadKubeConfig(api.kubeconfig), NETWORK_POLICIES, {
    set: (object) => seen.push(`set ${object.metadata.name} ${object.metadata.labels?.version}`),
    delete: (_, key) => seen.push(`delete ${key}`),
    invalid: () => {},
    error: () => {},
  });
  const until = (count: number) => untilSeen(seen, count);
  informer.start();
  const spare = await api.spareApiServer();
  try {
    await informer.hasSynced();
    await until(3);
    assert.deepEqual(seen.splice(0).sort(), ['set changed one', 'set gone one', 'set kept one']);
    // While the API server is down, another one on the same etcd changes the cluster; the
    // restarted one cannot replay what the watch missed (410 Gone), so the informer lists again.
    await api.stopApiServer();
    try {
      await runKubectl([
        '--kubeconfig',
        spare.kubeconfig,
        'delete',
        'networkpolicy',
        '-n',
        'default',
        'gone',
      ]);
      await apply(policy('changed', 'two'), spare.kubeconfig);
      await apply(policy('added'), spare.kubeconfig);
    } finally {
      await api.startApiServer();
    }
    await until(3);
    await sleep(1500);
    assert.deepEqual(seen.sort(), ['delete default/gone', 'set added one', 'set changed two']);
  } finally {
    informer.stop();
    await spare.stop();
    await api.kubectl(['delete', 'networkpolicy', '-n', 'default', '--all']);
  }
});

test('a metadata watch fetches whole only the changes its receiver does not know, and tells deletions', async () => {
  const apply = (yaml: string) => runKubectl(['--kubeconfig', api.kubeconfig, 'apply', '-f', '-'], yaml);
  const seen: string[] = [];
  const informer = new Informer(
    loadKubeConfig(api.kubeconfig),
    NETWORK_POLICIES,
    {
      // The whole object: its spec is there, not only its metadata.
      set: (object) =>
        seen.push(
          `set ${object.metadata.name} ${object.metadata.labels?.version} ${object.kind === 'NetworkPolicy' && object.policyTypes.join()}`,
        ),
      delete: (_, key) => seen.push(`delete ${key}`),
      invalid: () => {},
      error: () => {},
      // The receiver holds version "two" as it is, as the controller holds its own writes; the
      // watch brings metadata only, labels included.
      known: (raw) => (raw.metadata as { labels?: Record<string, string> }).labels?.version === 'two',
    },
    { metadataWatch: true },
  );
  const until = (count: number) => untilSeen(seen, count);
  informer.start();
  try {
    await informer.hasSynced();
    await apply(policy('watched'));
    await until(1);
    assert.deepEqual(seen.splice(0), ['set watched one Ingress']);
    // A version the receiver knows is not fetched nor handed out; one it does not know is.
    await api.kubectl(['label', 'networkpolicy', '-n', 'default', 'watched', 'version=two', '--overwrite']);
    await apply(policy('watched', 'three'));
    await until(1);
    await sleep(500);
    assert.deepEqual(seen.splice(0), ['set watched three Ingress']);
    await api.kubectl(['delete', 'networkpolicy', '-n', 'default', 'watched']);
    await until(1);
    assert.deepEqual(seen, ['delete default/watched']);
  } finally {
    informer.stop();
    await api.kubectl(['delete', 'networkpolicy', '-n', 'default', '--all']);
  }
});

test('requests and watches go through the proxy the kubeconfig names (proxy-url)', async () => {
  // A proxy as corporate networks have: it opens a tunnel (CONNECT) to the address asked for.
  const tunnels: string[] = [];
  const proxy = createServer();
  proxy.on('connect', (request, client, head) => {
    tunnels.push(request.url ?? '');
    const [host = '', port = ''] = (request.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const kubeconfig = join(api.dir, 'kubeconfig-proxied');
  const config = JSON.parse(readFileSync(api.kubeconfig, 'utf8'));
  config.clusters[0].cluster['proxy-url'] = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  writeFileSync(kubeconfig, JSON.stringify(config));
  const seen: string[] = [];
  const informer = new Informer(loadKubeConfig(kubeconfig), NAMESPACES, {
    set: (object) => seen.push(object.metadata.name),
    delete: () => {},
    invalid: () => {},
    error: () => {},
  });
  try {
    const namespace = await rawRequest<{ metadata: { name: string } }>(
      loadKubeConfig(kubeconfig),
      'GET',
      '/api/v1/namespaces/default',
    );
    assert.equal(namespace.metadata.name, 'default');
    informer.start();
    await informer.hasSynced();
    await api.kubectl(['create', 'namespace', 'through-the-proxy']);
    const deadline = Date.now() + 30_000;
    while (!seen.includes('through-the-proxy')) {
      assert.ok(
        Date.now() < deadline,
        `the watch brings the new namespace within 30 s, saw: ${seen.join(', ')}`,
      );
      await sleep(100);
    }
    const apiServer = new URL(api.url).host;
    assert.ok(
      tunnels.length >= 2 && tunnels.every((to) => to === apiServer),
      `tunnels: ${tunnels.join(', ')}`,
    );
  } finally {
    informer.stop();
    proxy.closeAllConnections();
    proxy.close();
    await api.kubectl(['delete', 'namespace', 'through-the-proxy', '--wait=false']);
  }
});
