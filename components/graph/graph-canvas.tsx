'use client';

import { Background, Controls, type Edge, MarkerType, type Node, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';
import type { GraphView, ViewEdge, ViewNode } from '../../server/graph/graph-view.ts';
import { VERDICTS } from '../ui/verdict.tsx';
import { FloatingEdge } from './floating-edge.tsx';
import { layoutView } from './graph-layout.ts';
import { ServiceNode } from './service-node.tsx';
import { SERVICE_NODE_PREFIX, serviceElements } from './service-nodes.ts';

/** A namespace's column title: a heading, no handles. */
function TitleNode({ data }: { data: { label: string } }) {
  return <div className="text-sm font-semibold text-muted">{data.label}</div>;
}
const NODE_TYPES = { title: TitleNode, service: ServiceNode };
const EDGE_TYPES = { floating: FloatingEdge };

/** The class an edge carries, for its verdict (tests and styles read it). */
export const edgeClass = (edge: ViewEdge) => `edge-${edge.state}`;

function NodeLabel({ node }: { node: ViewNode }) {
  const sides = [
    node.isolatedBy.ingress.length > 0 && 'ingress',
    node.isolatedBy.egress.length > 0 && 'egress',
  ].filter(Boolean);
  const what =
    node.kind === 'pod'
      ? `${node.namespace} · ${node.ip ?? 'no IP'}`
      : `${node.kind === 'workload' ? `${node.namespace} · workload, ` : node.kind === 'namespace' ? 'namespace, ' : ''}${node.pods} pod${node.pods === 1 ? '' : 's'}`;
  return (
    <div className="text-left leading-tight">
      <div className="truncate text-sm font-semibold">{node.name}</div>
      <div className="text-xs text-muted">{what}</div>
      {sides.length > 0 && (
        <div className="mt-0.5 flex items-center gap-1 text-xs font-medium">
          <svg width="10" height="11" viewBox="0 0 10 11" aria-hidden="true">
            <path d="M5 .5 9.5 2v3.5C9.5 8 7.5 9.8 5 10.5 2.5 9.8.5 8 .5 5.5V2z" fill="currentColor" />
          </svg>
          isolated: {sides.join(', ')}
          {node.kind !== 'pod' && node.isolatedPods < node.pods
            ? ` (${node.isolatedPods} of ${node.pods})`
            : ''}
        </div>
      )}
    </div>
  );
}

/**
 * The graph view drawn with React Flow: nodes as cards (isolated ones with a heavy border and a
 * shield), edges in the verdict's colour and dash pattern with an arrow, haloed when they carried
 * traffic. Nodes and edges are in the tab order; Enter or Space on one opens it as a click does.
 */
export function GraphCanvas({
  view,
  selected,
  onSelect,
  height = '70vh',
  first,
  services = false,
}: {
  view: GraphView;
  /** Draw the view's Services beside their backends. */
  services?: boolean;
  /** Namespaces whose columns come first (a matrix cell's row, then its column). */
  first?: readonly string[];
  selected?: string;
  onSelect: (id: string, kind: 'node' | 'edge') => void;
  height?: string;
}) {
  const policyView = view.edges.some((edge) => edge.policy);
  const radial = view.nodes.filter((node) => node.scope).length === 1 && view.nodes.length > 2;
  const nodes = useMemo<Node[]>(
    () =>
      layoutView(view, first).map((place) =>
        place.title
          ? {
              id: place.id,
              position: { x: place.x, y: place.y },
              data: { label: place.title },
              draggable: false,
              selectable: false,
              focusable: false,
              className: 'namespace-title',
              type: 'title',
            }
          : {
              id: place.id,
              position: { x: place.x, y: place.y },
              data: { label: <NodeLabel node={place.node as ViewNode} /> },
              ariaLabel: `${place.node?.kind} ${place.id}`,
              // Edges float from border to border: the handles are there for React Flow only.
              className: `pod${(place.node?.isolatedPods ?? 0) > 0 ? ' pod-isolated' : ''} [&_[data-handlepos]]:invisible`,
              style: {
                width: 190,
                fontSize: 12,
                borderWidth: (place.node?.isolatedPods ?? 0) > 0 ? 2.5 : 1,
                borderColor:
                  place.node?.scope && view.nodes.some((node) => !node.scope)
                    ? 'var(--accent)'
                    : 'var(--line-strong)',
                background: place.node?.kind === 'pod' ? 'var(--surface)' : 'var(--raised)',
                borderStyle: place.node?.kind === 'rest' ? 'dashed' : 'solid',
              },
            },
      ),
    [view, first],
  );
  const edges = useMemo<Edge[]>(() => {
    // Past a few edges their labels, each at its curve's middle, run into each other: the details say it all.
    const labelled = view.edges.length <= 16;
    return view.edges.map((edge) => {
      const look = VERDICTS[edge.state];
      const seen = edge.observed.allowed + edge.observed.denied;
      const dim = policyView && !edge.policy?.allows && !edge.policy?.isolates;
      return {
        id: edge.id,
        source: edge.from,
        target: edge.to,
        className: `${edgeClass(edge)}${seen > 0 ? ' edge-traffic' : ''}`,
        ariaLabel: `${edge.from} to ${edge.to}: ${look.label}${seen > 0 ? ', carried traffic' : ''}`,
        // Traffic shows as a halo, never as a dash (React Flow's `animated`): the dash is the verdict's.
        data: { traffic: seen > 0 },
        style: {
          stroke: look.colour,
          strokeWidth: policyView && !dim ? 3.5 : Math.min(4, 1.5 + Math.log10(edge.pairs)),
          strokeDasharray: look.dash,
          opacity: dim ? 0.2 : 1,
        },
        markerEnd: { type: MarkerType.ArrowClosed, color: look.colour, width: 14, height: 14 },
        type: 'floating',
        label: labelled
          ? edge.policy?.allows
            ? 'allowed by this policy'
            : edge.state === 'partial'
              ? `partly denied: ${edge.denied.join(', ')}`
              : seen > 0
                ? `${edge.observed.allowed} allowed, ${edge.observed.denied} denied`
                : undefined
          : undefined,
        selected: edge.id === selected,
      };
    });
  }, [view, selected, policyView]);
  const extra = useMemo(
    () => (services ? serviceElements(view.services, nodes) : undefined),
    [services, view, nodes],
  );
  return (
    // Enter or Space on a focused node or edge opens it, as a click does (React Flow selects only
    // nodes whose selection the page keeps, and this page keeps its own).
    // biome-ignore lint/a11y/noStaticElementInteractions: the keys act on the focused node or edge inside
    <div
      className="overflow-hidden rounded-lg border border-line"
      style={{ height }}
      data-testid="graph"
      onKeyDown={(event) => {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        const target = event.target as Element;
        const node = target.closest('.react-flow__node')?.getAttribute('data-id');
        const edge = target.closest('.react-flow__edge')?.getAttribute('data-id');
        if (node?.startsWith(SERVICE_NODE_PREFIX) || edge?.startsWith(SERVICE_NODE_PREFIX)) return;
        if (node && !node.startsWith('title:')) onSelect(node, 'node');
        else if (edge) onSelect(edge, 'edge');
        else return;
        event.preventDefault();
      }}
    >
      <ReactFlow
        nodes={extra ? [...nodes, ...extra.nodes] : nodes}
        edges={extra ? [...edges, ...extra.edges] : edges}
        nodeTypes={NODE_TYPES}
        edgeTypes={EDGE_TYPES}
        fitView
        // Around a focus the page opens on it and its nearest ring, readable; zoom out for the rest.
        // A few nodes are not blown up past a size their text reads well at.
        fitViewOptions={{
          maxZoom: 1.2,
          nodes: radial ? nodes.slice(0, 10).map((node) => ({ id: node.id })) : undefined,
        }}
        minZoom={0.05}
        onlyRenderVisibleElements={nodes.length > 100}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        onEdgeClick={(_, edge) => {
          if (!edge.id.startsWith(SERVICE_NODE_PREFIX)) onSelect(edge.id, 'edge');
        }}
        onNodeClick={(_, node) => {
          if (!node.id.startsWith('title:') && !node.id.startsWith(SERVICE_NODE_PREFIX))
            onSelect(node.id, 'node');
        }}
      >
        <Background />
        <Controls />
      </ReactFlow>
    </div>
  );
}
