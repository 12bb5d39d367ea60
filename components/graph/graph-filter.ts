import type { PolicyGraph } from '../../server/graph/build-graph.ts';

/** What the graph page shows; every field is also a URL parameter, so a view can be shared. */
export interface GraphFilter {
  /** Only this namespace's pods and their peers. */
  readonly namespace?: string;
  /** Only pods whose name contains this text, and their peers. */
  readonly search?: string;
  /** Only pods whose labels match this selector (`app=web,tier!=db,team,!legacy`), and their peers. */
  readonly labels?: string;
  /** Only this port (`80/TCP`). */
  readonly port?: string;
  readonly deniedOnly?: boolean;
  readonly isolatedOnly?: boolean;
  /** Pods, workloads or namespaces as nodes; the server chooses by size when absent. */
  readonly group?: 'pod' | 'workload' | 'namespace';
}

const FLAGS = ['deniedOnly', 'isolatedOnly'] as const;
const TEXTS = ['namespace', 'search', 'labels', 'port', 'group'] as const;

export function filterFromQuery(query: string): GraphFilter {
  const params = new URLSearchParams(query);
  const filter: Record<string, string | boolean> = {};
  for (const key of TEXTS) {
    const value = params.get(key);
    if (value) filter[key] = value;
  }
  for (const key of FLAGS) if (params.get(key) === '1') filter[key] = true;
  return filter as GraphFilter;
}

export function filterToQuery(filter: GraphFilter): string {
  const params = new URLSearchParams();
  for (const key of TEXTS) if (filter[key]) params.set(key, filter[key] ?? '');
  for (const key of FLAGS) if (filter[key]) params.set(key, '1');
  const query = params.toString();
  return query ? `?${query}` : '';
}

/**
 * Whether labels match a selector written as kubectl's `-l` takes it: comma-separated
 * `key=value` (or `==`), `key!=value`, `key` (exists) and `!key` (does not exist).
 */
export function labelsMatch(selector: string, labels: Readonly<Record<string, string>>): boolean {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .every((term) => {
      const [, key = '', operator, value = ''] = /^([^!=\s]+)\s*(!=|==|=)?\s*(.*)$/.exec(term) ?? [];
      if (term.startsWith('!')) return !(term.slice(1).trim() in labels);
      if (!operator) return key in labels;
      return operator === '!=' ? labels[key] !== value : labels[key] === value;
    });
}

/** The part of the graph the filter keeps: matching pods, the edges that concern them, and their peers. */
export function filterGraph(graph: PolicyGraph, filter: GraphFilter): PolicyGraph {
  const search = filter.search?.toLowerCase();
  const chosen = new Set(
    graph.pods
      .filter((pod) => !filter.namespace || pod.namespace === filter.namespace)
      .filter((pod) => !search || pod.name.toLowerCase().includes(search))
      .filter((pod) => !filter.labels || labelsMatch(filter.labels, pod.labels))
      .filter(
        (pod) =>
          !filter.isolatedOnly || pod.isolatedBy.ingress.length > 0 || pod.isolatedBy.egress.length > 0,
      )
      .map((pod) => pod.id),
  );
  const narrowed =
    filter.namespace !== undefined ||
    search !== undefined ||
    filter.labels !== undefined ||
    filter.isolatedOnly === true;
  const edges = graph.edges
    .map((edge) =>
      filter.port
        ? {
            ...edge,
            allowed: edge.allowed.filter((port) => port === filter.port),
            denied: edge.denied.filter((port) => port === filter.port),
          }
        : edge,
    )
    .filter((edge) => edge.allowed.length + edge.denied.length > 0)
    .filter((edge) => !filter.deniedOnly || edge.denied.length > 0)
    .filter((edge) => !narrowed || chosen.has(edge.from) || chosen.has(edge.to));
  const shown = new Set([...chosen, ...edges.flatMap((edge) => [edge.from, edge.to])]);
  const pods = graph.pods.filter((pod) => (narrowed ? shown.has(pod.id) : true));
  return { ...graph, pods, edges, ports: filter.port ? [filter.port] : graph.ports };
}
