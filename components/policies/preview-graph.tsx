'use client';

import { Background, type Edge, MarkerType, type Node, ReactFlow } from '@xyflow/react';
import type { ConnectionChange } from '../../server/policy/preview.ts';
import { VERDICTS } from '../ui/verdict.tsx';

/**
 * The pods a change touches, with its connections as edges drawn as allowed (what it opens) or
 * denied (what it closes). Sources on the left, destinations on the right.
 */
export function PreviewGraph({ changes }: { changes: readonly ConnectionChange[] }) {
  const sources = [...new Set(changes.map((change) => change.from))].sort();
  const targets = [...new Set(changes.map((change) => change.to))].sort();
  const id = (side: 'from' | 'to', pod: string) => `${side}:${pod}`;
  const nodes: Node[] = [
    ...sources.map((pod, i) => ({
      id: id('from', pod),
      position: { x: 0, y: i * 70 },
      data: { label: pod },
      sourcePosition: 'right' as never,
      type: 'input',
    })),
    ...targets.map((pod, i) => ({
      id: id('to', pod),
      position: { x: 420, y: i * 70 },
      data: { label: pod },
      targetPosition: 'left' as never,
      type: 'output',
    })),
  ];
  const edges: Edge[] = changes.map((change) => {
    const look = VERDICTS[change.change === 'opens' ? 'allowed' : 'denied'];
    return {
      id: `${change.from} ${change.to} ${change.port}`,
      source: id('from', change.from),
      target: id('to', change.to),
      label: `${change.change} ${change.port}`,
      className: `preview-${change.change}`,
      style: { stroke: look.colour, strokeWidth: 2, strokeDasharray: look.dash },
      markerEnd: { type: MarkerType.ArrowClosed, color: look.colour },
    };
  });
  return (
    <div
      className="rounded-md border border-line"
      data-testid="preview-graph"
      style={{ height: Math.max(160, Math.max(sources.length, targets.length) * 70 + 40) }}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        nodesDraggable={false}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
      </ReactFlow>
    </div>
  );
}
