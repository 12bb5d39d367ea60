import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { syntheticCluster } from '../../bench/synthetic-cluster.ts';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from './cluster.ts';
import { evaluate } from './evaluate.ts';
import { MAX_LISTED_CONNECTIONS, previewChange } from './preview.ts';

const walkthrough = (file: string) =>
  readFileSync(new URL(`../../examples/walkthrough/${file}`, import.meta.url), 'utf8');

test('a preview lists the connections a change closes and opens, and the recent flows it turns', () => {
  const cluster = Cluster.of(parseState(walkthrough('cluster.yaml'), 'cluster.yaml'));
  const denyAll = parseState(walkthrough('policies/01-deny-all-ingress.yaml'), 'p1');
  const flow = {
    time: 1,
    node: 'lab-node-1',
    direction: 'ingress',
    verdict: 'allow',
    kind: 'new-flow',
    sport: 40000,
    protocol: 6,
  } as const;
  const preview = previewChange(cluster, denyAll, [
    { ...flow, src: '10.77.2.10', dst: '10.77.1.10', dport: 80 },
    { ...flow, src: '10.77.1.10', dst: '10.77.2.53', dport: 53, protocol: 17 },
  ]);
  assert.deepEqual(preview.objects, ['NetworkPolicy default/demo-app-deny-all']);
  const closed = preview.connections.filter((change) => change.change === 'closes');
  assert.equal(closed.length, preview.connections.length, 'a deny-all only closes');
  assert.deepEqual([...new Set(closed.map((change) => change.from))].sort(), [
    'another-ns/another-client-one',
    'default/client-one',
    'kube-system/coredns',
  ]);
  assert.ok(closed.every((change) => change.to === 'default/demo-app'));
  assert.equal(closed.length, 3 * preview.ports.length);
  assert.deepEqual([preview.closes, preview.opens], [closed.length, 0]);
  assert.deepEqual(
    preview.flows.map((change) => [change.flow.dst, change.change]),
    [['10.77.1.10', 'closes']],
  );
  // Allowing client-one again then opens exactly its connections.
  const withDeny = Cluster.of([...parseState(walkthrough('cluster.yaml'), 'cluster.yaml'), ...denyAll]);
  const allow = previewChange(
    withDeny,
    parseState(walkthrough('policies/03-allow-ingress-from-samens-client-one.yaml'), 'p3'),
    [],
  );
  assert.ok(
    allow.connections.length > 0 &&
      allow.connections.every((change) => change.change === 'opens' && change.from === 'default/client-one'),
  );
});

test('a preview judges ClusterNetworkPolicies with the rest: an Admin Deny closes what was open', () => {
  const objects = [
    ...parseState(walkthrough('cluster.yaml'), 'cluster.yaml'),
    ...parseState(walkthrough('policies/03-allow-ingress-from-samens-client-one.yaml'), 'p3'),
  ];
  const cluster = Cluster.of(objects);
  const tiers = parseState(
    readFileSync(new URL('../../examples/tiers/cluster-policies.yaml', import.meta.url), 'utf8'),
    'tiers',
  );
  const preview = previewChange(cluster, tiers, []);
  assert.deepEqual(preview.objects, [
    'ClusterNetworkPolicy isolate-another-ns',
    'ClusterNetworkPolicy dns-for-everyone',
    'ClusterNetworkPolicy kube-system-closed',
  ]);
  const changes = (from: string, to: string) =>
    preview.connections
      .filter((change) => change.from === from && change.to === to)
      .map((c) => `${c.port} ${c.change}`);
  // client-one is isolated by no NetworkPolicy: the Admin Deny closes it to another-ns on every port.
  assert.deepEqual(changes('another-ns/another-client-one', 'default/client-one'), [
    '53/TCP closes',
    '53/UDP closes',
    '80/TCP closes',
  ]);
  // kube-system stays open on 53/UDP (the Baseline Accept) and closes elsewhere.
  assert.ok(!changes('default/demo-app', 'kube-system/coredns').includes('53/UDP closes'));
  assert.ok(changes('default/demo-app', 'kube-system/coredns').includes('80/TCP closes'));
  // A preview on top of a cluster that already holds cluster policies keeps them.
  const again = previewChange(Cluster.of([...objects, ...tiers]), [], []);
  assert.deepEqual(again.connections, []);
});

test('a preview counts every connection a change turns, a group of pods at a time, and lists the first', () => {
  const { cluster } = syntheticCluster({ namespaces: 3, podsPerNamespace: 10, policiesPerNamespace: 2 });
  const [first] = cluster.allNamespaces();
  const openAll = parseState(
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open-all, namespace: ${first?.metadata.name}}
spec: {podSelector: {}, ingress: [{}], egress: [{}]}
`,
    'open-all.yaml',
  );
  const preview = previewChange(cluster, openAll, []);
  // Every pair of pods and port judged one by one, before and after.
  const after = Cluster.of([
    ...cluster.allNamespaces(),
    ...cluster.allPods(),
    ...cluster.allPolicies(),
    ...openAll,
  ]);
  const ports = preview.ports.map((text) => {
    const [port, protocol] = text.split('/');
    return { port: Number(port), protocol: protocol as 'TCP' };
  });
  const count = { opens: 0, closes: 0 };
  const pods = cluster.allPods();
  for (const from of pods)
    for (const to of pods) {
      if (from === to) continue;
      const ends = (state: Cluster) =>
        [
          { pod: from, ip: state.ipOf(from) },
          { pod: to, ip: state.ipOf(to) },
        ] as const;
      for (const target of ports) {
        const was = evaluate(cluster, ...ends(cluster), target).allowed;
        const will = evaluate(after, ...ends(after), target).allowed;
        if (was !== will) count[will ? 'opens' : 'closes']++;
      }
    }
  assert.ok(count.opens > MAX_LISTED_CONNECTIONS, `${count.opens} connections open`);
  assert.deepEqual({ opens: preview.opens, closes: preview.closes }, count);
  assert.equal(preview.connections.length, MAX_LISTED_CONNECTIONS);
  assert.ok(preview.connections.every((change) => change.change === 'opens' && change.from !== change.to));
});

test('a preview names the pods whose agent would close them, the rules being more than the datapath holds', () => {
  const cluster = Cluster.of(parseState(walkthrough('cluster.yaml'), 'cluster.yaml'));
  const ports = (count: number) =>
    Array.from({ length: count }, (_, i) => `{port: ${80 + 2 * i}}`).join(', ');
  const policy = (count: number) =>
    parseState(
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: many-ports, namespace: default}
spec:
  podSelector: {matchLabels: {app: demo-app}}
  ingress: [{from: [{podSelector: {matchLabels: {app: client-one}}}], ports: [${ports(count)}]}]
`,
      'p.yaml',
    );
  const closing = previewChange(cluster, policy(30), []).wouldClose;
  assert.deepEqual(
    closing.map(({ pod, direction }) => [pod, direction]),
    [['default/demo-app', 'ingress']],
  );
  assert.match(closing[0]?.reason ?? '', /30 distinct port ranges .*the datapath holds 24/);
  assert.deepEqual(previewChange(cluster, policy(24), []).wouldClose, [], '24 ranges fit');
});
