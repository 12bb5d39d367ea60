'use client';

import { BaseEdge, type Edge, type EdgeProps, type InternalNode, useInternalNode } from '@xyflow/react';
import { TRAFFIC_HALO } from '../ui/verdict.tsx';

/** Where the line from a node's centre towards `toward` leaves the node's box. */
function border(node: InternalNode, toward: { x: number; y: number }): { x: number; y: number } {
  const width = node.measured.width ?? 0;
  const height = node.measured.height ?? 0;
  const centre = {
    x: node.internals.positionAbsolute.x + width / 2,
    y: node.internals.positionAbsolute.y + height / 2,
  };
  const dx = toward.x - centre.x;
  const dy = toward.y - centre.y;
  if (dx === 0 && dy === 0) return centre;
  // The box is reached first on the side where the line is steepest relative to the box's shape.
  const scale = Math.min(
    dx === 0 ? Number.POSITIVE_INFINITY : width / 2 / Math.abs(dx),
    dy === 0 ? Number.POSITIVE_INFINITY : height / 2 / Math.abs(dy),
  );
  return { x: centre.x + dx * scale, y: centre.y + dy * scale };
}

const centreOf = (node: InternalNode) => ({
  x: node.internals.positionAbsolute.x + (node.measured.width ?? 0) / 2,
  y: node.internals.positionAbsolute.y + (node.measured.height ?? 0) / 2,
});

/**
 * An edge from border to border of its nodes, wherever they are, bowed a little to its right so
 * that the edges of a pair in both directions stay apart: the graph's edges, in any layout. One
 * that carried traffic (`data.traffic`) has a halo of its colour under it.
 */
export function FloatingEdge({
  id,
  source,
  target,
  style,
  markerEnd,
  label,
  interactionWidth,
  data,
}: EdgeProps<Edge<{ traffic?: boolean }>>) {
  const from = useInternalNode(source);
  const to = useInternalNode(target);
  if (!from || !to) return null;
  const start = border(from, centreOf(to));
  const end = border(to, centreOf(from));
  const length = Math.hypot(end.x - start.x, end.y - start.y) || 1;
  const bow = Math.min(28, length / 6);
  // The control point: the middle, pushed to the right of the direction of travel.
  const control = {
    x: (start.x + end.x) / 2 - ((end.y - start.y) / length) * bow,
    y: (start.y + end.y) / 2 + ((end.x - start.x) / length) * bow,
  };
  const path = `M ${start.x},${start.y} Q ${control.x},${control.y} ${end.x},${end.y}`;
  // The label a third of the way from the source: the labels of a pair in both directions, each
  // nearer its own source, do not cover each other (at the middle they did).
  const at = (t: number, a: number, c: number, b: number) =>
    (1 - t) ** 2 * a + 2 * (1 - t) * t * c + t ** 2 * b;
  const labelAt = { x: at(1 / 3, start.x, control.x, end.x), y: at(1 / 3, start.y, control.y, end.y) };
  return (
    <>
      {data?.traffic && (
        <path
          d={path}
          className="edge-traffic-halo"
          fill="none"
          strokeLinecap="round"
          pointerEvents="none"
          style={{
            stroke: style?.stroke,
            strokeWidth: Number(style?.strokeWidth ?? 1) + TRAFFIC_HALO.width,
            strokeOpacity: TRAFFIC_HALO.opacity * Number(style?.opacity ?? 1),
          }}
        />
      )}
      <BaseEdge
        id={id}
        path={path}
        style={style}
        markerEnd={markerEnd}
        label={label}
        labelX={labelAt.x}
        labelY={labelAt.y}
        interactionWidth={interactionWidth}
      />
    </>
  );
}
