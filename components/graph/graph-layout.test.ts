import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphView, ViewNode } from '../../server/graph/graph-view.ts';
import { layoutView, ring } from './graph-layout.ts';

const workload = (name: string, scope = false): ViewNode => ({
  id: `workload:ns-4/${name}`,
  kind: 'workload',
  name,
  namespace: 'ns-4',
  pods: 5,
  labels: {},
  isolatedBy: { ingress: [], egress: [] },
  isolatedPods: 0,
  scope,
});
const viewOf = (nodes: ViewNode[]) => ({ nodes, edges: [] }) as unknown as GraphView;
/** Two cards (190 × 78 pixels at most) overlap unless apart by that much one way or the other. */
const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.abs(a.x - b.x) < 190 && Math.abs(a.y - b.y) < 78;
const extent = (places: readonly { x: number; y: number }[]) => ({
  width: Math.max(...places.map((p) => p.x)) - Math.min(...places.map((p) => p.x)) + 190,
  height: Math.max(...places.map((p) => p.y)) - Math.min(...places.map((p) => p.y)) + 78,
});

test('a ring keeps every card apart, the first on top, and is the same every time', () => {
  for (let count = 1; count <= 16; count++) {
    const places = ring(count, false);
    assert.equal(places.length, count);
    assert.equal(places[0]?.x, 0);
    assert.ok((places[0]?.y ?? 0) < 0);
    for (const [i, a] of places.entries())
      for (const b of places.slice(i + 1)) assert.ok(!overlap(a, b), `${count}: ${JSON.stringify([a, b])}`);
    assert.deepEqual(ring(count, false), places);
  }
});

test('a ring around a node keeps its cards off it', () => {
  for (let count = 1; count <= 9; count++)
    for (const place of ring(count, true)) assert.ok(!overlap(place, { x: 0, y: 0 }), `${count}`);
});

test('eleven workloads need far less room than on a circle of even steps', () => {
  const names = ['api', 'auth', 'batch', 'cache', 'db', 'search', 'web', 'worker', 'a', 'b', 'c'];
  const placed = layoutView(viewOf(names.map((name) => workload(name))));
  const { width, height } = extent(placed);
  // A circle of even steps, 240 pixels of it per card, was 1030 × 900 pixels.
  assert.ok(width <= 900 && height <= 640, `${width} × ${height}`);
  // Drawn in a canvas 700 pixels wide, the cards are shown at no less than three quarters of their size.
  assert.ok((700 * 0.9) / width >= 0.72, `${width}`);
});

test('a node asked for sits in the middle of its few peers', () => {
  const placed = layoutView(
    viewOf([workload('api', true), workload('web'), workload('db'), workload('cache')]),
  );
  assert.deepEqual(placed[0], { id: 'workload:ns-4/api', x: 0, y: 0, node: placed[0]?.node });
  for (const place of placed.slice(1)) assert.ok(!overlap(place, { x: 0, y: 0 }));
  assert.ok(extent(placed).width < 700, 'smaller than the old first ring, 320 pixels out');
});
