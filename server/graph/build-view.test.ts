import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { syntheticCluster } from '../../bench/synthetic-cluster.ts';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from '../policy/cluster.ts';
import { buildGraph } from './build-graph.ts';
import { buildView } from './build-view.ts';
import { EDGE_BUDGET } from './graph-view.ts';

const walkthrough = (file: string) =>
  readFileSync(new URL(`../../examples/walkthrough/${file}`, import.meta.url), 'utf8');
const lab = () =>
  Cluster.of([
    ...parseState(walkthrough('cluster.yaml'), 'cluster.yaml'),
    ...parseState(walkthrough('policies/01-deny-all-ingress.yaml'), 'p1'),
    ...parseState(walkthrough('policies/03-allow-ingress-from-samens-client-one.yaml'), 'p3'),
  ]);

test('a small cluster is drawn pod by pod, every pair an edge, as the whole graph says', () => {
  const cluster = lab();
  const view = buildView(cluster, [], {});
  assert.equal(view.view, 'graph');
  assert.equal(view.level, 'pod');
  assert.deepEqual(view.aggregation, []);
  assert.deepEqual(
    view.nodes.map((node) => node.id),
    ['another-ns/another-client-one', 'default/client-one', 'default/demo-app', 'kube-system/coredns'],
  );
  const whole = buildGraph(cluster, [], { grouping: 'pod' });
  assert.equal(view.edges.length, whole.edges.length);
  for (const edge of whole.edges) {
    const drawn = view.edges.find((item) => item.id === `${edge.from} ${edge.to}`);
    assert.deepEqual(
      [drawn?.allowed, drawn?.denied],
      [edge.allowed, edge.denied],
      `${edge.from} → ${edge.to}`,
    );
  }
  const denied = view.edges.filter((edge) => edge.state === 'denied').map((edge) => edge.id);
  assert.deepEqual(denied.sort(), [
    'another-ns/another-client-one default/demo-app',
    'kube-system/coredns default/demo-app',
  ]);
  const filtered = buildView(cluster, [], { search: 'coredns', deniedOnly: true });
  assert.deepEqual(
    filtered.edges.map((edge) => edge.id),
    ['kube-system/coredns default/demo-app'],
  );
  assert.deepEqual(filtered.nodes.map((node) => node.id).sort(), ['default/demo-app', 'kube-system/coredns']);
});

test('flows seen are counted on the edge of their pods', () => {
  const cluster = lab();
  const flow = {
    node: 'n',
    direction: 'ingress',
    kind: 'new-flow',
    sport: 1,
    dport: 80,
    protocol: 6,
    time: 1,
  } as const;
  const view = buildView(
    cluster,
    [
      { ...flow, verdict: 'allow', src: '10.77.2.10', dst: '10.77.1.10' },
      { ...flow, verdict: 'deny', kind: 'denied', src: '10.77.1.11', dst: '10.77.1.10' },
    ],
    {},
  );
  assert.deepEqual(view.edges.find((edge) => edge.id === 'default/client-one default/demo-app')?.observed, {
    allowed: 1,
    denied: 0,
  });
});

const { cluster: large } = syntheticCluster({
  namespaces: 20,
  podsPerNamespace: 20,
  policiesPerNamespace: 10,
});

test('past a few hundred pods the view is the namespace matrix, each cell counting pod pairs × ports', () => {
  const view = buildView(large, [], {});
  assert.equal(view.view, 'matrix');
  assert.equal(view.cells.length, 20 * 20);
  const ports = view.ports.length;
  for (const cell of view.cells) {
    const pairs = cell.from === cell.to ? 20 * 19 : 20 * 20;
    assert.equal(cell.allowed + cell.denied, pairs * ports, cell.id);
  }
  // Default deny everywhere: traffic into a namespace is partly denied.
  assert.ok(view.cells.every((cell) => cell.state !== 'allowed'));
  const one = buildView(large, [], { port: '9090/TCP' });
  assert.ok(one.cells.every((cell) => cell.allowed + cell.denied <= 400));
});

test('no view draws more edges than the budget, and each says what it aggregated', () => {
  const requests = [
    { view: 'graph' as const },
    { namespace: 'ns-1,ns-2' },
    { focus: 'ns-3/web-0' },
    { search: 'db' },
    { labels: 'tier=backend' },
    { policy: 'ns-4/backend-from-frontend' },
    { namespace: 'ns-1', level: 'pod' as const },
  ];
  for (const request of requests) {
    const view = buildView(large, [], request);
    assert.equal(view.view, 'graph');
    assert.ok(view.edges.length <= EDGE_BUDGET, `${JSON.stringify(request)}: ${view.edges.length} edges`);
    const ids = new Set(view.nodes.map((node) => node.id));
    for (const edge of view.edges) assert.ok(ids.has(edge.from) && ids.has(edge.to), edge.id);
  }
  const whole = buildView(large, [], { view: 'graph' });
  assert.match(whole.aggregation.join(' '), /80 more edges are not drawn/);
  // Among edges that read alike, those with traffic are kept.
  const [from, to] = [large.podsIn('ns-9')[0], large.podsIn('ns-8')[0]];
  const seen = {
    node: 'n',
    direction: 'ingress',
    verdict: 'allow',
    kind: 'new-flow',
    sport: 1,
    dport: 8080,
    protocol: 6,
    time: 1,
  } as const;
  const busy = buildView(large, [{ ...seen, src: from?.podIP ?? '', dst: to?.podIP ?? '' }], {
    view: 'graph',
  });
  assert.deepEqual(busy.edges.find((edge) => edge.id === 'namespace:ns-9 namespace:ns-8')?.observed, {
    allowed: 1,
    denied: 0,
  });
  const drill = buildView(large, [], { namespace: 'ns-1,ns-2' });
  assert.equal(drill.level, 'workload');
  assert.match(drill.aggregation.join(' '), /one by one they would draw more than 300 edges/);
  assert.ok(drill.nodes.some((node) => node.id === 'rest' && node.pods === 360));
});

test('a matrix cell opens as the edges from its row’s namespace to its column’s, as fine as the budget allows', () => {
  const cell = buildView(large, [], { from: 'ns-1', to: 'ns-2' });
  assert.equal(cell.level, 'workload', '20 × 20 pods would be 400 edges: 8 × 8 workloads');
  assert.equal(cell.edges.length, 64);
  assert.match(cell.aggregation.join(' '), /one by one they would draw more than 300 edges/);
  assert.ok(
    cell.edges.every((edge) => edge.from.startsWith('ns-1/') || edge.from.startsWith('workload:ns-1/')),
  );
  assert.ok(cell.edges.every((edge) => edge.to.startsWith('ns-2/') || edge.to.startsWith('workload:ns-2/')));
  assert.ok(cell.nodes.every((node) => node.namespace === 'ns-1' || node.namespace === 'ns-2'));
  const own = buildView(large, [], { from: 'ns-5', to: 'ns-5' });
  assert.ok(own.edges.every((edge) => edge.from.includes('ns-5/') && edge.to.includes('ns-5/')));
});

test('focus: the pod alone, its namespace’s pods one by one, every other namespace as one node', () => {
  const view = buildView(large, [], { focus: 'ns-3/web-0' });
  const node = (id: string) => view.nodes.find((item) => item.id === id);
  assert.equal(node('ns-3/web-0')?.scope, true);
  assert.equal(node('ns-3/api-1')?.kind, 'pod');
  assert.equal(node('namespace:ns-7')?.pods, 20);
  assert.ok(view.edges.every((edge) => edge.from === 'ns-3/web-0' || edge.to === 'ns-3/web-0'));
  // web is open to all on its http port: some pods of every other namespace reach it there.
  const fromNamespaces = view.edges.filter((edge) => edge.from.startsWith('namespace:'));
  assert.equal(fromNamespaces.length, 19);
  assert.ok(fromNamespaces.every((edge) => edge.to === 'ns-3/web-0' && edge.allowed.includes('8080/TCP')));
});

test('a policy’s view marks the edges its rules allow and those its isolation denies', () => {
  const view = buildView(large, [], { policy: 'ns-4/backend-from-frontend' });
  assert.ok(view.nodes.filter((node) => node.scope).every((node) => node.namespace === 'ns-4'));
  assert.ok(view.edges.some((edge) => edge.policy?.allows));
  assert.ok(view.edges.some((edge) => edge.policy?.isolates));
  assert.throws(() => buildView(large, [], { policy: 'ns-4/nope' }), /policy: no NetworkPolicy "ns-4\/nope"/);
});

test('a view lists the Services whose backends it draws, and counts flows through a ClusterIP on the backend’s edge', () => {
  const cluster = lab();
  const through = {
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
  const arrived = {
    ...through,
    node: 'lab-node-1',
    pod: 'default/demo-app',
    direction: 'ingress',
    dst: '10.77.1.10',
  } as const;
  const view = buildView(cluster, [through, arrived], {});
  assert.deepEqual(
    view.services.map((service) => [service.id, service.clusterIPs, service.ports, service.backends]),
    [
      ['default/demo-app', ['10.96.0.80'], ['80/TCP → http'], ['default/demo-app']],
      ['kube-system/kube-dns', ['10.96.0.10'], ['53/UDP → 53', '53/TCP → 53'], ['kube-system/coredns']],
    ],
  );
  assert.deepEqual(view.edges.find((edge) => edge.id === 'default/client-one default/demo-app')?.observed, {
    allowed: 1,
    denied: 0,
  });
  // Drawn by namespace, a Service links to its backends' namespace; the matrix draws none.
  assert.deepEqual(buildView(cluster, [], { level: 'namespace' }).services[1]?.backends, [
    'namespace:kube-system',
  ]);
  assert.deepEqual(buildView(cluster, [], { view: 'matrix' }).services, []);
});
