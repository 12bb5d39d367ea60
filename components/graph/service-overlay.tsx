'use client';

import type { Edge, Node } from '@xyflow/react';
import { type ReactNode, useMemo, useState } from 'react';
import type { PolicyGraph } from '../../server/graph/build-graph.ts';
import { serviceElements } from './service-nodes.ts';

/**
 * A "Services" switch for the policy graph and, when it is on, the service nodes and their
 * links to their backends to draw with the graph's own.
 */
export function useServiceOverlay(
  graph: PolicyGraph | undefined,
  nodes: readonly Node[],
): { control: ReactNode; nodes: Node[]; edges: Edge[] } {
  const [shown, setShown] = useState(false);
  const elements = useMemo(
    () => (shown && graph ? serviceElements(graph, nodes) : { nodes: [], edges: [] }),
    [shown, graph, nodes],
  );
  const control = (
    <label>
      <input
        type="checkbox"
        checked={shown}
        disabled={!graph || graph.services.length === 0}
        onChange={(event) => setShown(event.target.checked)}
      />{' '}
      Services
    </label>
  );
  return { control, ...elements };
}
