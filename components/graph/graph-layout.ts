import type { Edge, Node } from '@xyflow/react';
import type { GraphEdge, GraphPod, PolicyGraph } from '../../server/graph/build-graph.ts';

/**
 * Pods (or workloads) in a column per namespace, sorted by name; namespaces, when they are the
 * nodes, in a square grid. The same graph always lays out the same way.
 */
export function layoutNodes(graph: PolicyGraph): Node[] {
  if (graph.grouping === 'namespace') {
    const side = Math.ceil(Math.sqrt(graph.pods.length));
    return [...graph.pods]
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))
      .map((node, i) => ({
        id: node.id,
        position: { x: (i % side) * 260, y: Math.floor(i / side) * 140 },
        data: { label: podLabel(node, graph.grouping) },
        className: isolated(node) ? 'pod pod-isolated' : 'pod',
      }));
  }
  const columns = graph.namespaces.filter((namespace) =>
    graph.pods.some((pod) => pod.namespace === namespace),
  );
  return columns.flatMap((namespace, column) => [
    {
      id: `title:${namespace}`,
      position: { x: column * 300, y: 0 },
      data: { label: namespace },
      draggable: false,
      selectable: false,
      className: 'namespace-title',
    },
    ...graph.pods
      .filter((pod) => pod.namespace === namespace)
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))
      .map((pod, row) => ({
        id: pod.id,
        position: { x: column * 300, y: 60 + row * 120 },
        data: { label: podLabel(pod, graph.grouping) },
        className: isolated(pod) ? 'pod pod-isolated' : 'pod',
      })),
  ]);
}

function isolated(pod: GraphPod): boolean {
  return pod.isolatedBy.ingress.length > 0 || pod.isolatedBy.egress.length > 0;
}

function podLabel(pod: GraphPod, grouping: PolicyGraph['grouping']): string {
  const sides = [
    pod.isolatedBy.ingress.length > 0 && 'ingress',
    pod.isolatedBy.egress.length > 0 && 'egress',
  ].filter(Boolean);
  const what = grouping === 'pod' ? (pod.ip ?? 'no IP') : `${pod.pods} pod${pod.pods === 1 ? '' : 's'}`;
  return `${pod.name}\n${what}${sides.length ? `\nisolated: ${sides.join(', ')}` : ''}`;
}

/** How an edge reads: all ports allowed, all denied, or some of each. */
export function edgeState(edge: GraphEdge): 'allowed' | 'denied' | 'mixed' {
  if (edge.denied.length === 0) return 'allowed';
  return edge.allowed.length === 0 ? 'denied' : 'mixed';
}

/** Edges for the pairs the view shows; observed traffic animates them. */
export function layoutEdges(graph: PolicyGraph): Edge[] {
  // Past a few hundred edges labels hide the graph; a click on an edge still explains it.
  const labelled = graph.edges.length <= 200;
  return graph.edges.map((edge) => {
    const state = edgeState(edge);
    const seen = edge.observed.allowed + edge.observed.denied;
    return {
      id: `${edge.from} ${edge.to}`,
      source: edge.from,
      target: edge.to,
      className: `edge-${state}`,
      animated: seen > 0,
      label: !labelled
        ? undefined
        : state === 'mixed'
          ? `denied ${edge.denied.join(', ')}`
          : seen > 0
            ? `${edge.observed.allowed} allowed, ${edge.observed.denied} denied`
            : undefined,
      data: { state },
    };
  });
}
