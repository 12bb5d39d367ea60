import type { GraphView, ViewNode } from '../../server/graph/graph-view.ts';
import { naturalCompare } from '../natural-order.ts';

/** Where a node goes, and whether it is a namespace's column title. */
export interface Placed {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly node?: ViewNode;
  readonly title?: string;
}

const COLUMN = 460;
const ROW = 92;
const byName = (a: ViewNode, b: ViewNode) => naturalCompare(a.name, b.name);
const natural = naturalCompare;

/**
 * Where the view's nodes go; the same view always lays out the same way. One node asked for (a
 * focus) sits in the middle with its peers on rings around it; a few nodes stand on a ring,
 * grouped by namespace, the namespace shown on each. Otherwise pods and workloads stand
 * in a column per namespace under its name, left to right as edges go: the nodes asked for first
 * (a matrix cell's row namespace, then its column's), then their peers, and whole namespaces (and
 * the rest of the cluster) in a grid on the right.
 */
export function layoutView(view: GraphView, first: readonly string[] = []): Placed[] {
  const scope = view.nodes.filter((node) => node.scope);
  if (scope.length === 1 && view.nodes.length > 2) return radial(scope[0] as ViewNode, view.nodes);
  if (view.nodes.length <= CIRCLE_NODES && first.length === 0) return circle(view.nodes);
  const grouped = view.nodes.filter((node) => node.kind === 'pod' || node.kind === 'workload');
  const whole = view.nodes.filter((node) => node.kind === 'namespace' || node.kind === 'rest').sort(byName);
  // A column per namespace, and per namespace a column for its nodes asked for and one for the others.
  const columnOf = (node: ViewNode) => `${node.scope ? 0 : 1} ${node.namespace ?? ''}`;
  const rank = (column: string) => {
    const [scoped = '1', namespace = ''] = column.split(' ');
    const wanted = first.indexOf(namespace);
    return [Number(scoped), wanted < 0 ? first.length : wanted, namespace] as const;
  };
  const columns = [...new Set(grouped.map(columnOf))].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || natural(x[2], y[2]);
  });
  const placed: Placed[] = columns.flatMap((column, index) => {
    const namespace = column.slice(2);
    const peers = column.startsWith('1') && scope.length < view.nodes.length;
    return [
      { id: `title:${column}`, x: index * COLUMN, y: 0, title: peers ? `${namespace} (peers)` : namespace },
      ...grouped
        .filter((node) => columnOf(node) === column)
        .sort(byName)
        .map((node, row) => ({ id: node.id, x: index * COLUMN, y: 48 + row * ROW, node })),
    ];
  });
  const side = Math.max(1, Math.ceil(Math.sqrt(whole.length)));
  const left = columns.length * COLUMN;
  whole.forEach((node, i) => {
    placed.push({ id: node.id, x: left + (i % side) * 260, y: 48 + Math.floor(i / side) * 110, node });
  });
  return placed;
}

/** Up to this many nodes (each pair an edge, both ways) stand on a ring, a namespace's together. */
const CIRCLE_NODES = 16;

function circle(nodes: readonly ViewNode[]): Placed[] {
  const order = [...nodes].sort((a, b) => natural(a.namespace ?? '', b.namespace ?? '') || byName(a, b));
  return ring(order.length, false).map((place, i) => ({
    ...place,
    id: (order[i] as ViewNode).id,
    node: order[i],
  }));
}

/** Up to this many peers stand on one ring around the node asked for; more on rings further out. */
const ONE_RING = 9;

function radial(centre: ViewNode, nodes: readonly ViewNode[]): Placed[] {
  const order = { pod: 0, workload: 1, namespace: 2, rest: 3 };
  const peers = nodes
    .filter((node) => node !== centre)
    .sort(
      (a, b) =>
        order[a.kind] - order[b.kind] || natural(a.namespace ?? '', b.namespace ?? '') || byName(a, b),
    );
  const placed: Placed[] = [{ id: centre.id, x: 0, y: 0, node: centre }];
  if (peers.length <= ONE_RING) {
    ring(peers.length, true).forEach((place, i) => {
      placed.push({ ...place, id: (peers[i] as ViewNode).id, node: peers[i] });
    });
    return placed;
  }
  let outer = 0;
  let index = 0;
  while (index < peers.length) {
    const radius = 320 + outer * 240;
    const room = Math.max(8, Math.floor((2 * Math.PI * radius) / 210));
    const here = peers.slice(index, index + room);
    here.forEach((node, i) => {
      const angle = (2 * Math.PI * i) / here.length - Math.PI / 2;
      placed.push({
        id: node.id,
        x: Math.round(radius * Math.cos(angle)),
        y: Math.round(radius * Math.sin(angle)),
        node,
      });
    });
    index += here.length;
    outer++;
  }
  return placed;
}

/**
 * The room a node's card needs on a ring: the canvas draws it 190 pixels wide and at most about 78
 * tall; the rest is the gap that keeps edges and their arrows visible between neighbours.
 */
const CARD = { width: 190 + 34, height: 78 + 30 };
/** A ring is this much wider than tall: canvases are wider than tall, and cards too. */
const RING_ASPECT = 1.25;
/** Steps along the ring at which the room cards need is measured. */
const STEPS = 720;

/**
 * `count` places on the smallest ellipse around (0, 0) on which no two cards overlap (nor a card at
 * the centre, when `around`), starting at its top. Places are spaced by the room cards need where
 * they stand, not evenly: side by side at the top and bottom of the ring they need their width,
 * stacked on its sides only their height, so the ring is far smaller than a circle of even steps
 * (whose top, at the width of a card per step, sets its size) and the canvas needs less zoom-out to
 * show it whole.
 */
export function ring(count: number, around: boolean): { x: number; y: number }[] {
  for (let tall = CARD.height / 2; ; tall += 5) {
    const wide = tall * RING_ASPECT;
    // How many cards fit up to each step: a step at angle t moves a card (wide·|sin t|, tall·|cos t|) per radian.
    const fit = [0];
    for (let step = 0; step < STEPS; step++) {
      const t = ((step + 0.5) / STEPS) * 2 * Math.PI - Math.PI / 2;
      const needs = Math.min(
        CARD.width / Math.max(wide * Math.abs(Math.sin(t)), 1e-9),
        CARD.height / Math.max(tall * Math.abs(Math.cos(t)), 1e-9),
      );
      fit.push((fit[step] ?? 0) + (2 * Math.PI) / STEPS / needs);
    }
    const room = fit[STEPS] ?? 0;
    if (room < count && count > 1) continue;
    const places: { x: number; y: number }[] = [];
    let step = 0;
    for (let i = 0; i < count; i++) {
      const want = (i * room) / count;
      while ((fit[step + 1] ?? 0) < want) step++;
      const share = (want - (fit[step] ?? 0)) / ((fit[step + 1] ?? 0) - (fit[step] ?? 0) || 1);
      const t = ((step + share) / STEPS) * 2 * Math.PI - Math.PI / 2;
      places.push({ x: Math.round(wide * Math.cos(t)), y: Math.round(tall * Math.sin(t)) });
    }
    const apart = (a: { x: number; y: number }, b: { x: number; y: number }) =>
      Math.abs(a.x - b.x) >= CARD.width - 1 || Math.abs(a.y - b.y) >= CARD.height - 1;
    const clear = places.every(
      (place, i) =>
        (!around || apart(place, { x: 0, y: 0 })) &&
        places.slice(i + 1).every((other) => apart(place, other)),
    );
    if (clear) return places;
  }
}
