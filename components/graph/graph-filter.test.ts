import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyGraph } from '../../server/graph/build-graph.ts';
import { filterFromQuery, filterGraph, filterToQuery, labelsMatch } from './graph-filter.ts';

const pod = (id: string, isolated = false) => {
  const [namespace = '', name = ''] = id.split('/');
  return {
    id,
    policyEndpoints: [],
    namespace,
    name,
    labels: {},
    pods: 1,
    isolatedBy: { ingress: isolated ? ['x/p'] : [], egress: [] },
  };
};
const edge = (from: string, to: string, allowed: string[], denied: string[]) => ({
  from,
  to,
  allowed,
  denied,
  observed: { allowed: 0, denied: 0 },
});
const graph: PolicyGraph = {
  grouping: 'pod',
  ports: ['80/TCP', '53/UDP'],
  namespaces: ['a', 'b'],
  pods: [pod('a/web', true), pod('a/db'), pod('b/client')],
  edges: [
    edge('b/client', 'a/web', ['53/UDP'], ['80/TCP']),
    edge('a/db', 'a/web', ['53/UDP'], ['80/TCP']),
    edge('a/web', 'b/client', ['80/TCP', '53/UDP'], []),
  ],
};

test('filters keep matching pods, the edges that concern them, and their peers', () => {
  assert.deepEqual(filterGraph(graph, {}).edges.length, 3);
  const denied = filterGraph(graph, { deniedOnly: true });
  assert.deepEqual(
    denied.edges.map((item) => item.from),
    ['b/client', 'a/db'],
  );
  const search = filterGraph(graph, { search: 'CLI' });
  assert.deepEqual(search.pods.map((item) => item.id).sort(), ['a/web', 'b/client']);
  const port = filterGraph(graph, { port: '53/UDP', namespace: 'b' });
  assert.deepEqual(
    port.edges.map((item) => [item.from, item.to, item.allowed, item.denied]),
    [
      ['b/client', 'a/web', ['53/UDP'], []],
      ['a/web', 'b/client', ['53/UDP'], []],
    ],
  );
  assert.deepEqual(
    filterGraph(graph, { isolatedOnly: true, deniedOnly: true })
      .pods.map((item) => item.id)
      .sort(),
    ['a/db', 'a/web', 'b/client'],
  );
});

test('a filter survives the round trip through the URL', () => {
  const filter = { namespace: 'a', search: 'web', port: '80/TCP', deniedOnly: true, isolatedOnly: true };
  assert.equal(filterToQuery(filter), '?namespace=a&search=web&port=80%2FTCP&deniedOnly=1&isolatedOnly=1');
  assert.deepEqual(filterFromQuery(filterToQuery(filter)), filter);
  assert.equal(filterToQuery({}), '');
});

test('a label selector as kubectl -l takes it', () => {
  const labels = { app: 'web', tier: 'frontend' };
  assert.equal(labelsMatch('app=web', labels), true);
  assert.equal(labelsMatch('app==web, tier!=db', labels), true);
  assert.equal(labelsMatch('app=api', labels), false);
  assert.equal(labelsMatch('tier', labels), true);
  assert.equal(labelsMatch('!tier', labels), false);
  assert.equal(labelsMatch('!legacy,app', labels), true);
  assert.equal(labelsMatch('', labels), true);
});
