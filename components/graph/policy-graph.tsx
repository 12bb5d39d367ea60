'use client';

import { Background, Controls, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import type { PolicyGraph as Graph } from '../../server/graph/build-graph.ts';
import { layoutEdges, layoutNodes } from './graph-layout.ts';

type GraphResponse = Graph & { datapath: 'ebpf' | 'simulated' | 'none'; simulatedBecause?: string };

/** The pod-to-pod graph, refreshed every second so that a policy applied anywhere shows at once. */
export function PolicyGraph() {
  const [graph, setGraph] = useState<GraphResponse>();
  const [error, setError] = useState<string>();
  const [deniedOnly, setDeniedOnly] = useState(false);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const response = await fetch('/api/graph', { cache: 'no-store' });
        if (!response.ok) throw new Error(`the server answered ${response.status}`);
        const next = (await response.json()) as GraphResponse;
        if (!stopped) {
          setGraph(next);
          setError(undefined);
        }
      } catch (failure) {
        if (!stopped) setError((failure as Error).message);
      }
    };
    void load();
    const timer = setInterval(load, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const nodes = useMemo(() => (graph ? layoutNodes(graph) : []), [graph]);
  const edges = useMemo(() => (graph ? layoutEdges(graph, deniedOnly) : []), [graph, deniedOnly]);

  if (error && !graph) return <p role="alert">Cannot load the graph: {error}</p>;
  if (!graph) return <p>Loading the policy graph…</p>;
  return (
    <section className="graph-view">
      {graph.datapath === 'simulated' && (
        <p className="banner" role="status">
          Simulated datapath ({graph.simulatedBecause}): verdicts come from the policy model, no packet is
          enforced.
        </p>
      )}
      {graph.pods.length === 0 && (
        <p>
          No pods yet: run <code>palisade lab up</code>.
        </p>
      )}
      <div className="toolbar">
        <label>
          <input
            type="checkbox"
            checked={deniedOnly}
            onChange={(event) => setDeniedOnly(event.target.checked)}
          />{' '}
          Denied only
        </label>
        <span>Ports: {graph.ports.join(', ')}</span>
        <span className="legend">
          <span className="swatch edge-allowed" /> allowed <span className="swatch edge-denied" /> denied{' '}
          <span className="swatch edge-mixed" /> some ports denied
        </span>
      </div>
      <div className="graph-canvas" data-testid="graph">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          fitView
          nodesConnectable={false}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls />
        </ReactFlow>
      </div>
    </section>
  );
}
