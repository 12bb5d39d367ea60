import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ViewService } from '../../server/graph/graph-view.ts';
import { serviceElements } from './service-nodes.ts';

const service = (id: string, backends: string[]): ViewService => ({
  id,
  namespace: id.split('/')[0] ?? '',
  name: id.split('/')[1] ?? '',
  clusterIPs: ['10.96.0.5'],
  headless: false,
  ports: ['80/TCP → http'],
  backends,
});

test('each Service sits beside its first backend drawn, linked to every backend drawn', () => {
  const nodes = [
    { id: 'a/web-1', position: { x: 0, y: 48 }, data: {} },
    { id: 'a/web-2', position: { x: 0, y: 132 }, data: {} },
  ];
  const { nodes: added, edges } = serviceElements(
    [service('a/web', ['a/web-1', 'a/web-2']), service('a/web-2nd', ['a/web-1']), service('b/gone', ['b/x'])],
    nodes,
  );
  assert.deepEqual(
    added.map((node) => [node.id, node.type, node.position]),
    [
      ['svc:a/web', 'service', { x: 220, y: 48 }],
      ['svc:a/web-2nd', 'service', { x: 220, y: 120 }],
    ],
  );
  assert.deepEqual(
    edges.map((edge) => edge.id),
    ['svc:a/web a/web-1', 'svc:a/web a/web-2', 'svc:a/web-2nd a/web-1'],
  );
});
