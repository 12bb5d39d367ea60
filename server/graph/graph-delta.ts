import type { GraphView } from './graph-view.ts';

/** The keyed lists of a view; everything else in it is its heading (`meta`). */
const COLLECTIONS = ['nodes', 'edges', 'cells'] as const;
type Collection = (typeof COLLECTIONS)[number];
type Item = { readonly id: string };

/** What changed in one list: items added or changed (whole), and the ids of items gone. */
export interface ListDelta<T> {
  readonly set?: readonly T[];
  readonly remove?: readonly string[];
}

/**
 * What turns one version of a view into the next: the heading when it changed, and per list the
 * items that changed or went. An unchanged view's delta is `{}`.
 */
export interface GraphDelta {
  readonly meta?: Omit<GraphView, Collection>;
  readonly nodes?: ListDelta<GraphView['nodes'][number]>;
  readonly edges?: ListDelta<GraphView['edges'][number]>;
  readonly cells?: ListDelta<GraphView['cells'][number]>;
}

function metaOf(view: GraphView): Omit<GraphView, Collection> {
  const { nodes: _nodes, edges: _edges, cells: _cells, ...meta } = view;
  return meta;
}

function diffList<T extends Item>(before: readonly T[], after: readonly T[]): ListDelta<T> | undefined {
  const old = new Map(before.map((item) => [item.id, JSON.stringify(item)]));
  const set = after.filter((item) => old.get(item.id) !== JSON.stringify(item));
  const kept = new Set(after.map((item) => item.id));
  const remove = before.filter((item) => !kept.has(item.id)).map((item) => item.id);
  if (set.length === 0 && remove.length === 0) return undefined;
  return { ...(set.length > 0 && { set }), ...(remove.length > 0 && { remove }) };
}

/** The delta from `before` to `after`. */
export function diffViews(before: GraphView, after: GraphView): GraphDelta {
  const delta: Record<string, unknown> = {};
  const meta = metaOf(after);
  if (JSON.stringify(metaOf(before)) !== JSON.stringify(meta)) delta.meta = meta;
  for (const name of COLLECTIONS) {
    const list = diffList<Item>(before[name], after[name]);
    if (list) delta[name] = list;
  }
  return delta as GraphDelta;
}

function applyList<T extends Item>(items: readonly T[], delta: ListDelta<T> | undefined): readonly T[] {
  if (!delta) return items;
  const byId = new Map(items.map((item) => [item.id, item]));
  for (const id of delta.remove ?? []) byId.delete(id);
  for (const item of delta.set ?? []) byId.set(item.id, item);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The view a delta makes of `view`; lists stay sorted by id, as the server sends them. */
export function applyDelta(view: GraphView, delta: GraphDelta): GraphView {
  return {
    ...view,
    ...delta.meta,
    nodes: applyList(view.nodes, delta.nodes),
    edges: applyList(view.edges, delta.edges),
    cells: applyList(view.cells, delta.cells),
  };
}
