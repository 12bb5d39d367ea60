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
const ROW = 84;
const byName = (a: ViewNode, b: ViewNode) => naturalCompare(a.name, b.name);
const natural = naturalCompare;

/**
 * Where the view's nodes go; the same view always lays out the same way. One node asked for (a
 * focus) sits in the middle with its peers on rings around it; a few nodes stand on a circle,
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

/** Up to this many nodes (each pair an edge, both ways) stand on a circle, a namespace's together. */
const CIRCLE_NODES = 16;

function circle(nodes: readonly ViewNode[]): Placed[] {
  const order = [...nodes].sort((a, b) => natural(a.namespace ?? '', b.namespace ?? '') || byName(a, b));
  const radius = Math.max(180, (order.length * 240) / (2 * Math.PI));
  return order.map((node, i) => {
    const angle = (2 * Math.PI * i) / order.length - Math.PI / 2;
    return {
      id: node.id,
      x: Math.round(radius * Math.cos(angle)),
      y: Math.round(radius * Math.sin(angle)),
      node,
    };
  });
}

function radial(centre: ViewNode, nodes: readonly ViewNode[]): Placed[] {
  const order = { pod: 0, workload: 1, namespace: 2, rest: 3 };
  const peers = nodes
    .filter((node) => node !== centre)
    .sort(
      (a, b) =>
        order[a.kind] - order[b.kind] || natural(a.namespace ?? '', b.namespace ?? '') || byName(a, b),
    );
  const placed: Placed[] = [{ id: centre.id, x: 0, y: 0, node: centre }];
  let ring = 0;
  let index = 0;
  while (index < peers.length) {
    const radius = 320 + ring * 240;
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
    ring++;
  }
  return placed;
}
