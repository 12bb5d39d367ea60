import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EndpointsIndex } from '../controller/endpoints-index.ts';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from '../policy/cluster.ts';
import { buildGraph } from './build-graph.ts';

const walkthrough = (file: string) =>
  readFileSync(new URL(`../../examples/walkthrough/${file}`, import.meta.url), 'utf8');

test('the graph shows, per pod pair, the ports the policies allow and deny, and the flows seen', () => {
  const cluster = Cluster.of([
    ...parseState(walkthrough('cluster.yaml'), 'cluster.yaml'),
    ...parseState(walkthrough('policies/01-deny-all-ingress.yaml'), 'p1'),
    ...parseState(walkthrough('policies/03-allow-ingress-from-samens-client-one.yaml'), 'p3'),
  ]);
  // The PolicyEndpoints the agents would enforce, as a cluster holds them.
  for (const endpoint of new EndpointsIndex(cluster).all()) cluster.set(endpoint);
  const flow = {
    node: 'lab-node-1',
    direction: 'ingress',
    kind: 'new-flow',
    sport: 40000,
    dport: 80,
    protocol: 6,
    time: 1,
  } as const;
  const graph = buildGraph(
    cluster,
    [
      { ...flow, verdict: 'allow', src: '10.77.2.10', dst: '10.77.1.10' },
      { ...flow, verdict: 'deny', kind: 'denied', src: '10.77.1.11', dst: '10.77.1.10' },
      { ...flow, verdict: 'deny', kind: 'denied', src: '192.0.2.1', dst: '10.77.1.10' },
    ],
    { ports: [{ port: 80, protocol: 'TCP' }] },
  );
  assert.deepEqual(graph.ports, ['80/TCP']);
  assert.equal(graph.pods.length, 4);
  assert.equal(graph.edges.length, 12);
  const edge = (from: string, to: string) => graph.edges.find((item) => item.from === from && item.to === to);
  assert.deepEqual(edge('default/client-one', 'default/demo-app'), {
    from: 'default/client-one',
    to: 'default/demo-app',
    allowed: ['80/TCP'],
    denied: [],
    observed: { allowed: 1, denied: 0 },
  });
  assert.deepEqual(edge('another-ns/another-client-one', 'default/demo-app')?.denied, ['80/TCP']);
  assert.deepEqual(edge('another-ns/another-client-one', 'default/demo-app')?.observed, {
    allowed: 0,
    denied: 1,
  });
  assert.deepEqual(graph.pods.find((pod) => pod.id === 'default/demo-app')?.isolatedBy, {
    ingress: ['default/demo-app-allow-samens-client-one', 'default/demo-app-deny-all'],
    egress: [],
  });
  assert.deepEqual(
    graph.pods
      .find((pod) => pod.id === 'default/demo-app')
      ?.policyEndpoints.map((name) => name.replace(/-[0-9a-f]{5}$/, '')),
    ['default/demo-app-allow-samens-client-one', 'default/demo-app-deny-all'],
  );
});

test('large clusters are shown by workload or by namespace, each group judged by all its kinds of pods', () => {
  const cluster = Cluster.of([
    ...parseState(walkthrough('cluster.yaml'), 'cluster.yaml'),
    ...parseState(walkthrough('policies/01-deny-all-ingress.yaml'), 'p1'),
    ...parseState(walkthrough('policies/03-allow-ingress-from-samens-client-one.yaml'), 'p3'),
  ]);
  const byNamespace = buildGraph(cluster, [], {
    grouping: 'namespace',
    ports: [{ port: 80, protocol: 'TCP' }],
  });
  assert.equal(byNamespace.grouping, 'namespace');
  assert.deepEqual(byNamespace.pods.map((node) => [node.id, node.pods]).sort(), [
    ['namespace:another-ns', 1],
    ['namespace:default', 2],
    ['namespace:kube-system', 1],
  ]);
  const edge = (from: string, to: string) =>
    byNamespace.edges.find((item) => item.from === from && item.to === to);
  // From another-ns into default: demo-app denies, client-one allows: both, so the edge is mixed.
  assert.deepEqual(edge('namespace:another-ns', 'namespace:default')?.allowed, ['80/TCP']);
  assert.deepEqual(edge('namespace:another-ns', 'namespace:default')?.denied, ['80/TCP']);
  assert.deepEqual(byNamespace.pods.find((node) => node.id === 'namespace:default')?.isolatedBy.ingress, [
    'default/demo-app-allow-samens-client-one',
    'default/demo-app-deny-all',
  ]);
  const byWorkload = buildGraph(cluster, [], { grouping: 'workload' });
  assert.ok(byWorkload.pods.some((node) => node.id === 'default/demo-app' && node.pods === 1));
  assert.equal(buildGraph(cluster, []).grouping, 'pod', 'auto: few pods are shown one by one');
});

test('the graph lists Services with their ClusterIPs, ports and backends, and counts flows through them on the backend’s edge', () => {
  const cluster = Cluster.of(parseState(walkthrough('cluster.yaml'), 'cluster.yaml'));
  const flow = {
    time: 1,
    node: 'lab-node-2',
    pod: 'default/client-one',
    direction: 'egress',
    verdict: 'allow',
    kind: 'new-flow',
    src: '10.77.2.10',
    sport: 40000,
    dst: '10.96.0.80',
    dport: 80,
    protocol: 6,
    service: 'default/demo-app',
    peer: 'default/demo-app',
  } as const;
  // The backend's side of the same connection, after the DNAT: the connection is counted once.
  const arrived = {
    ...flow,
    node: 'lab-node-1',
    pod: 'default/demo-app',
    direction: 'ingress',
    dst: '10.77.1.10',
  } as const;
  const graph = buildGraph(cluster, [flow, arrived], { ports: [{ port: 80, protocol: 'TCP' }] });
  assert.deepEqual(graph.services, [
    {
      id: 'default/demo-app',
      namespace: 'default',
      name: 'demo-app',
      clusterIPs: ['10.96.0.80'],
      headless: false,
      ports: ['80/TCP → http'],
      backends: ['default/demo-app'],
    },
    {
      id: 'kube-system/kube-dns',
      namespace: 'kube-system',
      name: 'kube-dns',
      clusterIPs: ['10.96.0.10'],
      headless: false,
      ports: ['53/UDP → 53', '53/TCP → 53'],
      backends: ['kube-system/coredns'],
    },
  ]);
  const edge = graph.edges.find(
    (item) => item.from === 'default/client-one' && item.to === 'default/demo-app',
  );
  assert.deepEqual(edge?.observed, { allowed: 1, denied: 0 });
  // Let out by the client and denied where it arrived: one denied connection, not an allowed one too.
  const refused = buildGraph(cluster, [flow, { ...arrived, verdict: 'deny', kind: 'denied' }], {
    ports: [{ port: 80, protocol: 'TCP' }],
  }).edges.find((item) => item.from === 'default/client-one' && item.to === 'default/demo-app');
  assert.deepEqual(refused?.observed, { allowed: 0, denied: 1 });
  // Stopped at the source: counted there.
  const stopped = buildGraph(cluster, [{ ...flow, verdict: 'deny', kind: 'denied' }], {
    ports: [{ port: 80, protocol: 'TCP' }],
  }).edges.find((item) => item.from === 'default/client-one' && item.to === 'default/demo-app');
  assert.deepEqual(stopped?.observed, { allowed: 0, denied: 1 });
  const byNamespace = buildGraph(cluster, [], { grouping: 'namespace' });
  assert.deepEqual(byNamespace.services[1]?.backends, ['namespace:kube-system']);
});
