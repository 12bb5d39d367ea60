'use client';

import { Background, Controls, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import type { PolicyGraph as Graph } from '../../server/graph/build-graph.ts';
import type { Verdict } from '../../server/policy/evaluate.ts';
import { Choice } from '../choice.tsx';
import { fetchVerdict, VerdictView } from '../explain/verdict-view.tsx';
import { WhatIf } from '../explain/what-if.tsx';
import { filterFromQuery, filterGraph, filterToQuery, type GraphFilter } from './graph-filter.ts';
import { layoutEdges, layoutNodes } from './graph-layout.ts';

type GraphResponse = Graph & {
  mode: 'lab' | 'kubernetes';
  datapath: 'ebpf' | 'simulated' | 'none' | 'cluster';
  simulatedBecause?: string;
  readOnly: boolean;
  server?: string;
};

/** The pod-to-pod graph, refreshed every second so that a policy applied anywhere shows at once. */
export function PolicyGraph() {
  const [graph, setGraph] = useState<GraphResponse>();
  const [error, setError] = useState<string>();
  const [filter, setFilter] = useState<GraphFilter>({});
  // The filter lives in the URL too, so that a view can be shared.
  useEffect(() => setFilter(filterFromQuery(window.location.search)), []);
  const changeFilter = (change: Partial<GraphFilter>) => {
    const next = { ...filter, ...change };
    setFilter(next);
    window.history.replaceState(null, '', `${window.location.pathname}${filterToQuery(next)}`);
  };
  const [selected, setSelected] = useState<{ pod: string } | { from: string; to: string }>();
  const [verdict, setVerdict] = useState<Verdict | { error: string }>();
  const [suggestion, setSuggestion] = useState<string>();

  useEffect(() => {
    let stopped = false;
    let last = '';
    const load = async () => {
      try {
        const query = filter.group ? `?group=${filter.group}` : '';
        const response = await fetch(`/api/graph${query}`, { cache: 'no-store' });
        if (!response.ok) throw new Error(`the server answered ${response.status}`);
        const text = await response.text();
        // An unchanged graph is not drawn again: large ones stay responsive between changes.
        if (stopped) return;
        setError(undefined);
        if (text !== last) {
          last = text;
          setGraph(JSON.parse(text) as GraphResponse);
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
  }, [filter.group]);

  const shown = useMemo(() => graph && filterGraph(graph, filter), [graph, filter]);
  const nodes = useMemo(() => (shown ? layoutNodes(shown) : []), [shown]);
  const edges = useMemo(() => (shown ? layoutEdges(shown) : []), [shown]);

  const selectedEdge =
    selected && 'from' in selected
      ? graph?.edges.find((edge) => edge.from === selected.from && edge.to === selected.to)
      : undefined;
  const selectedPod =
    selected && 'pod' in selected ? graph?.pods.find((pod) => pod.id === selected.pod) : undefined;
  const explainPort = selectedEdge?.denied[0] ?? selectedEdge?.allowed[0];
  // One key for what to explain, so that the graph's refreshes do not ask again.
  // Only pods have one verdict per port; a group's edge says which ports its pods allow and deny.
  const explainKey =
    selectedEdge && explainPort && graph?.grouping === 'pod'
      ? `${selectedEdge.from} ${selectedEdge.to} ${explainPort}`
      : '';
  useEffect(() => {
    setVerdict(undefined);
    const [from, to, port] = explainKey.split(' ');
    if (from && to && port) void fetchVerdict(from, to, port).then(setVerdict);
  }, [explainKey]);

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
      {graph.mode === 'kubernetes' && (
        <p className="banner" role="status">
          Kubernetes cluster at {graph.server}
          {graph.readOnly ? ': read-only, policies cannot be changed from here' : ''}.
        </p>
      )}
      {graph.pods.length === 0 && (
        <p>
          {graph.mode === 'kubernetes' ? (
            'No pods with an IP in the cluster yet.'
          ) : (
            <>
              No pods yet: run <code>palisade lab up</code>.
            </>
          )}
        </p>
      )}
      <div className="toolbar">
        <Choice
          label="Show"
          value={filter.group}
          options={{
            '': `auto (${graph.grouping}s)`,
            pod: 'pods',
            workload: 'workloads',
            namespace: 'namespaces',
          }}
          onChange={(group) => changeFilter({ group })}
        />
        <Choice
          label="Namespace"
          value={filter.namespace}
          options={{
            '': 'all',
            ...Object.fromEntries(graph.namespaces.map((namespace) => [namespace, namespace])),
          }}
          onChange={(namespace) => changeFilter({ namespace })}
        />
        <Choice
          label="Port"
          value={filter.port}
          options={{ '': 'all', ...Object.fromEntries(graph.ports.map((port) => [port, port])) }}
          onChange={(port) => changeFilter({ port })}
        />
        <label>
          Labels{' '}
          <input
            type="search"
            placeholder="app=web,tier!=db"
            value={filter.labels ?? ''}
            onChange={(event) => changeFilter({ labels: event.target.value || undefined })}
          />
        </label>
        <label>
          Pod{' '}
          <input
            type="search"
            placeholder="name"
            value={filter.search ?? ''}
            onChange={(event) => changeFilter({ search: event.target.value || undefined })}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={filter.deniedOnly === true}
            onChange={(event) => changeFilter({ deniedOnly: event.target.checked })}
          />{' '}
          Denied only
        </label>
        <label>
          <input
            type="checkbox"
            checked={filter.isolatedOnly === true}
            onChange={(event) => changeFilter({ isolatedOnly: event.target.checked })}
          />{' '}
          Isolated pods only
        </label>
        <span className="legend">
          <span className="swatch edge-allowed" /> allowed <span className="swatch edge-denied" /> denied{' '}
          <span className="swatch edge-mixed" /> some ports denied
        </span>
      </div>
      <WhatIf pods={graph.grouping === 'pod' ? graph.pods.map((pod) => pod.id) : []} />
      <div className="graph-canvas" data-testid="graph">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          fitView
          onlyRenderVisibleElements={nodes.length > 100}
          nodesConnectable={false}
          proOptions={{ hideAttribution: true }}
          onEdgeClick={(_, edge) => setSelected({ from: edge.source, to: edge.target })}
          onNodeClick={(_, node) => {
            if (node.id.startsWith('title:')) return;
            setSuggestion(undefined);
            setSelected({ pod: node.id });
          }}
        >
          <Background />
          <Controls />
        </ReactFlow>
      </div>
      {selectedEdge && (
        <aside className="explanation" data-testid="edge-details">
          <h2>
            {selectedEdge.from} → {selectedEdge.to}
          </h2>
          <p>
            Allowed: {selectedEdge.allowed.join(', ') || 'nothing'} · Denied:{' '}
            {selectedEdge.denied.join(', ') || 'nothing'} · Seen: {selectedEdge.observed.allowed} allowed,{' '}
            {selectedEdge.observed.denied} denied
          </p>
          {!verdict && <p>Asking the policy model about {explainPort}…</p>}
          {verdict && 'error' in verdict && <p role="alert">{verdict.error}</p>}
          {verdict && 'egress' in verdict && <VerdictView verdict={verdict} />}
        </aside>
      )}
      {selectedPod && (
        <aside className="explanation" data-testid="pod-details">
          <h2>{selectedPod.id}</h2>
          <p>
            {selectedPod.ip ?? 'no IP'} · labels:{' '}
            {Object.entries(selectedPod.labels)
              .map(([key, value]) => `${key}=${value}`)
              .join(', ') || 'none'}
          </p>
          <p>
            Isolated for ingress by:{' '}
            {selectedPod.isolatedBy.ingress.join(', ') || 'no policy (all ingress allowed)'}
          </p>
          <p>
            Isolated for egress by:{' '}
            {selectedPod.isolatedBy.egress.join(', ') || 'no policy (all egress allowed)'}
          </p>
          {graph.grouping === 'pod' && (
            <p>PolicyEndpoints listing it: {selectedPod.policyEndpoints.join(', ') || 'none'}</p>
          )}
          <p>
            Denied peers:{' '}
            {graph.edges
              .filter(
                (edge) =>
                  edge.denied.length > 0 && (edge.from === selectedPod.id || edge.to === selectedPod.id),
              )
              .map((edge) => `${edge.from} → ${edge.to} (${edge.denied.join(', ')})`)
              .join('; ') || 'none'}
          </p>
          {graph.grouping === 'pod' && (
            <button
              type="button"
              onClick={async () => {
                const body = (await (
                  await fetch(`/api/policies/suggest?pod=${encodeURIComponent(selectedPod.id)}`)
                ).json()) as { yaml?: string };
                setSuggestion(body.yaml || '# No traffic observed on this pod yet.\n');
              }}
            >
              Suggest a policy from observed traffic
            </button>
          )}
          {suggestion !== undefined && (
            <div data-testid="suggestion">
              <pre>{suggestion}</pre>
              {suggestion.startsWith('apiVersion') && (
                <a href={`/policies?draft=${encodeURIComponent(suggestion)}`}>Open in the policy editor</a>
              )}
            </div>
          )}
        </aside>
      )}
    </section>
  );
}
