import type { Edge, Node } from '@xyflow/react';
import type { PolicyGraph } from '../../server/graph/build-graph.ts';

/** Ids of service nodes, apart from pods' and namespace titles'. */
export const SERVICE_NODE_PREFIX = 'svc:';

/**
 * Service nodes for a laid-out graph: each Service beside its first backend shown, linked by a
 * dashed edge to every backend shown. Services none of whose backends are shown are left out.
 */
export function serviceElements(
  graph: PolicyGraph,
  nodes: readonly Node[],
): { nodes: Node[]; edges: Edge[] } {
  const placed = new Map(nodes.map((node) => [node.id, node.position]));
  const taken = new Map<string, number>();
  const serviceNodes: Node[] = [];
  const edges: Edge[] = [];
  for (const service of graph.services) {
    const backends = service.backends.filter((backend) => placed.has(backend));
    const anchor = backends[0] && placed.get(backends[0]);
    if (!anchor) continue;
    // Several Services of one backend stack up beside it.
    const stacked = taken.get(backends[0] ?? '') ?? 0;
    taken.set(backends[0] ?? '', stacked + 1);
    const id = `${SERVICE_NODE_PREFIX}${service.id}`;
    const address = service.headless ? 'headless' : service.clusterIPs.join(', ') || 'no ClusterIP';
    serviceNodes.push({
      id,
      position: { x: anchor.x + 170, y: anchor.y + 30 + stacked * 70 },
      data: { label: `svc ${service.name}\n${address}\n${service.ports.join(', ')}` },
      className: 'service',
      style: { borderStyle: 'dashed', fontSize: 11, width: 130, whiteSpace: 'pre-line' },
    });
    for (const backend of backends) {
      edges.push({
        id: `${id} ${backend}`,
        source: id,
        target: backend,
        className: 'edge-service',
        style: { strokeDasharray: '4 3' },
      });
    }
  }
  return { nodes: serviceNodes, edges };
}
