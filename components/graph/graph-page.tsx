'use client';

import { useEffect, useRef, useState } from 'react';
import { type ViewRequest, viewFromQuery, viewToQuery } from '../../server/graph/view-request.ts';
import { WhatIf } from '../explain/what-if.tsx';
import { Badge } from '../ui/badge.tsx';
import { Button } from '../ui/button.tsx';
import { EmptyState } from '../ui/empty-state.tsx';
import { formatCount } from '../ui/format-count.ts';
import { Notice } from '../ui/panel.tsx';
import { VerdictLegend } from '../ui/verdict.tsx';
import { EdgeTable } from './edge-table.tsx';
import { GraphCanvas } from './graph-canvas.tsx';
import { EdgeDetails, NodeDetails } from './graph-details.tsx';
import { GraphFilters } from './graph-filters.tsx';
import { NamespaceMatrix } from './namespace-matrix.tsx';
import { useGraphFeed } from './use-graph-feed.ts';

/**
 * The policy graph: the namespace × namespace matrix past a few hundred pods, the graph of pods
 * (or workloads, or namespaces) otherwise, live by deltas. Every filter lives in the URL.
 */
export function GraphPage() {
  const [request, setRequest] = useState<ViewRequest>();
  useEffect(() => setRequest(viewFromQuery(window.location.search)), []);
  const query = request ? viewToQuery(request) : undefined;
  const { view, status, error } = useGraphFeed(query ?? '', query === undefined ? 0 : 1000);
  const [selected, setSelected] = useState<{ id: string; kind: 'node' | 'edge' }>();
  const detailsRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (selected) detailsRef.current?.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }, [selected]);
  const [services, setServices] = useState(false);
  const change = (next: ViewRequest, replace = false) => {
    const merged = replace ? next : { ...request, ...next };
    setRequest(merged);
    setSelected(undefined);
    // Moving to other pods is a step Back returns from; typing in a filter is not.
    const step =
      merged.view !== request?.view ||
      merged.namespace !== request?.namespace ||
      merged.focus !== request?.focus;
    window.history[step ? 'pushState' : 'replaceState'](
      null,
      '',
      `${window.location.pathname}${viewToQuery(merged)}`,
    );
  };
  useEffect(() => {
    const back = () => setRequest(viewFromQuery(window.location.search));
    window.addEventListener('popstate', back);
    return () => window.removeEventListener('popstate', back);
  }, []);

  if (!request) return null;
  // A matrix cell's namespaces: the row's column first, the receiving one beside it.
  const cellNamespaces = [request.from, request.to].filter((name): name is string => name !== undefined);
  const node = selected?.kind === 'node' ? view?.nodes.find((item) => item.id === selected.id) : undefined;
  const edge = selected?.kind === 'edge' ? view?.edges.find((item) => item.id === selected.id) : undefined;
  return (
    <div className="space-y-3">
      {/* The filters stay while a view loads, and when one cannot be had, to change or clear them. */}
      <GraphFilters
        request={request}
        view={view}
        change={change}
        services={services}
        onServices={setServices}
      />
      {view && status ? (
        <>
          {error && <Notice tone="error">Cannot show this view: {error}. The last one stays.</Notice>}
          <div className="flex flex-wrap items-center justify-between gap-2">
            <p className="flex flex-wrap items-center gap-2 text-sm text-muted">
              <span>
                {formatCount(view.totals.pods)} pods · {formatCount(view.totals.policies)} policies ·{' '}
                {view.namespaces.length} namespaces
              </span>
              {view.view === 'graph' && (
                <span>
                  · drawing {view.nodes.length} nodes and {view.edges.length} edges
                </span>
              )}
              {request.focus && <Badge tone="accent">focus: {request.focus}</Badge>}
              {request.from && (
                <Badge tone="accent">
                  from {request.from} to {request.to ?? request.from}
                </Badge>
              )}
              {request.policy && <Badge tone="accent">policy: {request.policy}</Badge>}
            </p>
            <VerdictLegend traffic={view.view === 'graph'} />
          </div>
          {view.aggregation.length > 0 && (
            <Notice>
              <strong>Aggregated to stay readable:</strong> {view.aggregation.join(' ')}
            </Notice>
          )}
          {view.totals.pods === 0 ? (
            <EmptyState title="No pods yet">
              {status.mode === 'kubernetes' ? (
                'No pods with an IP in the cluster yet.'
              ) : (
                <>
                  Run <code>palisade lab up</code>.
                </>
              )}
            </EmptyState>
          ) : view.view === 'matrix' ? (
            <NamespaceMatrix
              namespaces={view.namespaces}
              cells={view.cells}
              onOpen={(from, to) => change({ view: 'graph', from, to }, true)}
            />
          ) : view.nodes.length === 0 ? (
            <EmptyState title="No pod matches these filters">
              <Button size="sm" onClick={() => change({}, true)}>
                Clear filters
              </Button>
            </EmptyState>
          ) : (
            <>
              <GraphCanvas
                view={view}
                first={cellNamespaces}
                selected={selected?.id}
                onSelect={(id, kind) => setSelected({ id, kind })}
                services={services}
              />
              {/* Right under the drawing, and brought into view: what was clicked is explained at once. */}
              <div ref={detailsRef} className="scroll-mt-4">
                {edge && <EdgeDetails view={view} edge={edge} />}
                {node && (
                  <NodeDetails key={node.id} view={view} node={node} onShow={(next) => change(next, true)} />
                )}
              </div>
              <EdgeTable view={view} onSelect={(id) => setSelected({ id, kind: 'edge' })} />
            </>
          )}
          <WhatIf pods={view.nodes.filter((item) => item.kind === 'pod').map((item) => item.id)} />
        </>
      ) : error ? (
        <Notice tone="error">Cannot load the graph: {error}</Notice>
      ) : (
        <p className="text-sm text-muted">Loading the policy graph…</p>
      )}
    </div>
  );
}
