import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { syntheticCluster } from '../../bench/synthetic-cluster.ts';
import { decodeObject } from '../kube/objects.ts';
import { buildView } from './build-view.ts';
import { applyDelta, diffViews } from './graph-delta.ts';
import { GraphFeed, viewAfter } from './graph-feed.ts';
import type { GraphView } from './graph-view.ts';

const view = (edges: [string, string][], nodes: string[], meta = 'pod'): GraphView => ({
  view: 'graph',
  level: meta as GraphView['level'],
  ports: ['80/TCP'],
  namespaces: ['a'],
  totals: { pods: nodes.length, policies: 0 },
  aggregation: [],
  nodes: [...new Set(nodes)].sort().map((id) => ({
    id,
    kind: 'pod',
    name: id,
    pods: 1,
    labels: {},
    isolatedBy: { ingress: [], egress: [] },
    isolatedPods: 0,
    scope: true,
  })),
  edges: [...new Map(edges.map(([from, state]) => [from, state]))]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, state]) => ({
      id,
      from: id,
      to: 'x',
      allowed: state === 'denied' ? [] : ['80/TCP'],
      denied: state === 'allowed' ? [] : ['80/TCP'],
      state: state as 'allowed',
      pairs: 1,
      observed: { allowed: 0, denied: 0 },
    })),
  cells: [],
  services: [],
});

test('applying the delta between two views gives the second', () => {
  const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  const anyView = fc
    .tuple(
      fc.array(fc.tuple(ids, fc.constantFrom('allowed', 'denied', 'partial'))),
      fc.array(ids),
      fc.constantFrom('pod', 'workload'),
    )
    .map(([edges, nodes, level]) => view(edges, nodes, level));
  fc.assert(
    fc.property(anyView, anyView, (before, after) => {
      assert.deepEqual(applyDelta(before, diffViews(before, after)), after);
      assert.deepEqual(diffViews(after, after), {});
    }),
  );
});

test('a client following the feed by deltas holds what a full fetch gives, as policies change', () => {
  const { cluster } = syntheticCluster({ namespaces: 12, podsPerNamespace: 30, policiesPerNamespace: 4 });
  const feed = new GraphFeed();
  const requests = [{}, { namespace: 'ns-2,ns-3' }, { focus: 'ns-1/api-1' }];
  const held = requests.map(() => undefined as { version: number; view: GraphView } | undefined);
  const changes = [
    () => cluster.delete('NetworkPolicy', 'ns-2/default-deny'),
    () =>
      cluster.set(
        decodeObject({
          kind: 'NetworkPolicy',
          metadata: { name: 'lock-api', namespace: 'ns-1' },
          spec: { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress', 'Egress'] },
        }),
      ),
    () => undefined,
    () => cluster.delete('Pod', 'ns-3/db-4'),
  ];
  let deltaBytes = 0;
  let fullBytes = 0;
  for (const change of [() => undefined, ...changes]) {
    change();
    requests.forEach((request, i) => {
      const current = buildView(cluster, [], request);
      const key = JSON.stringify(request);
      const answer = feed.answer(key, current, held[i]?.version);
      if ('delta' in answer) {
        deltaBytes += JSON.stringify(answer).length;
        fullBytes += JSON.stringify(current).length;
      }
      const next = viewAfter(held[i], answer);
      assert.deepEqual(next, current, `${key} after a change`);
      assert.deepEqual(feed.answer(key, current), { version: answer.version, full: current }, 'a full fetch');
      held[i] = { version: answer.version, view: next };
    });
  }
  assert.ok(
    deltaBytes * 4 < fullBytes,
    `deltas (${deltaBytes} B) are a fraction of full views (${fullBytes} B)`,
  );
  const unchanged = feed.answer('{}', buildView(cluster, [], {}), held[0]?.version);
  assert.deepEqual('delta' in unchanged && unchanged.delta, {}, 'nothing changed: an empty delta');
});

test('a version the feed no longer holds gets the whole view', () => {
  const feed = new GraphFeed();
  const first = feed.answer('k', view([['a', 'allowed']], ['a']));
  for (let i = 0; i < 10; i++) feed.answer('k', view([['a', i % 2 ? 'allowed' : 'denied']], ['a', `n${i}`]));
  assert.ok('full' in feed.answer('k', view([], []), first.version));
  assert.ok('full' in feed.answer('other', view([], []), first.version), 'another view’s version');
});
