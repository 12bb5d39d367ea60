import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyGraph } from '../../server/graph/build-graph.ts';
import { serviceElements } from './service-nodes.ts';

const service = (id: string, backends: string[]) => ({
  id,
  namespace: id.split('/')[0] ?? '',
  name: id.split('/')[1] ?? '',
  clusterIPs: ['10.96.0.5'],
  headless: false,
  ports: ['80/TCP → http'],
  backends,
});

test('each Service sits beside its first backend shown, linked to every backend shown', () => {
  const graph = {
    services: [
      service('a/web', ['a/web-1', 'a/web-2']),
      service('a/web-2nd', ['a/web-1']),
      service('b/gone', ['b/x']),
    ],
  } as unknown as PolicyGraph;
  const nodes = [
    { id: 'a/web-1', position: { x: 0, y: 60 }, data: {} },
    { id: 'a/web-2', position: { x: 0, y: 180 }, data: {} },
  ];
  const { nodes: added, edges } = serviceElements(graph, nodes);
  assert.deepEqual(
    added.map((node) => [node.id, node.position]),
    [
      ['svc:a/web', { x: 170, y: 90 }],
      ['svc:a/web-2nd', { x: 170, y: 160 }],
    ],
  );
  assert.match(String(added[0]?.data.label), /^svc web\n10\.96\.0\.5\n80\/TCP → http$/);
  assert.deepEqual(
    edges.map((edge) => edge.id),
    ['svc:a/web a/web-1', 'svc:a/web a/web-2', 'svc:a/web-2nd a/web-1'],
  );
});
