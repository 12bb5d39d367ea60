import type { Edge, Node } from '@xyflow/react';
import type { ViewService } from '../../server/graph/graph-view.ts';

/** Ids of service nodes, apart from the view's nodes and namespace titles. */
export const SERVICE_NODE_PREFIX = 'svc:';

/**
 * Service nodes for a laid-out view: each Service beside its first backend's node, linked by a
 * dashed line to every node holding its backends; several Services of one node stack up.
 */
export function serviceElements(
  services: readonly ViewService[],
  nodes: readonly Node[],
): { nodes: Node[]; edges: Edge[] } {
  const placed = new Map(nodes.map((node) => [node.id, node.position]));
  const stacked = new Map<string, number>();
  const serviceNodes: Node[] = [];
  const edges: Edge[] = [];
  for (const service of services) {
    const backends = service.backends.filter((backend) => placed.has(backend));
    const [first] = backends;
    const anchor = first && placed.get(first);
    if (!first || !anchor) continue;
    const above = stacked.get(first) ?? 0;
    stacked.set(first, above + 1);
    const id = `${SERVICE_NODE_PREFIX}${service.id}`;
    serviceNodes.push({
      id,
      type: 'service',
      position: { x: anchor.x + 220, y: anchor.y + above * 72 },
      data: { service },
      ariaLabel: `Service ${service.id}`,
    });
    for (const backend of backends) {
      edges.push({
        id: `${id} ${backend}`,
        source: id,
        target: backend,
        type: 'floating',
        className: 'edge-service',
        ariaLabel: `Service ${service.id} to its backends in ${backend}`,
        style: { stroke: 'var(--line-strong)', strokeDasharray: '2 4' },
      });
    }
  }
  return { nodes: serviceNodes, edges };
}
