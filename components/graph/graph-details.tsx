'use client';

import { useEffect, useState } from 'react';
import type { GraphView, ViewEdge, ViewNode } from '../../server/graph/graph-view.ts';
import type { ViewRequest } from '../../server/graph/view-request.ts';
import type { Verdict } from '../../server/policy/evaluate.ts';
import { fetchVerdict, VerdictView } from '../explain/verdict-view.tsx';
import { Badge } from '../ui/badge.tsx';
import { Button, ButtonLink } from '../ui/button.tsx';
import { Notice, Panel } from '../ui/panel.tsx';
import { VerdictBadge } from '../ui/verdict.tsx';

const nodeName = (view: GraphView, id: string) => {
  const node = view.nodes.find((item) => item.id === id);
  return node ? (node.kind === 'pod' ? node.id : `${node.name} (${node.kind}, ${node.pods} pods)`) : id;
};

/** The request that shows a node's pods one by one. */
export function drillInto(node: ViewNode): ViewRequest {
  if (node.kind === 'pod') return { view: 'graph', focus: node.id };
  if (node.kind === 'workload') return { view: 'graph', namespace: node.namespace, search: node.name };
  if (node.kind === 'namespace') return { view: 'graph', namespace: node.name };
  return { view: 'matrix' };
}

/** An edge's verdicts; between two pods, the policy model's explanation of its first denied (or allowed) port. */
export function EdgeDetails({ view, edge }: { view: GraphView; edge: ViewEdge }) {
  const [verdict, setVerdict] = useState<Verdict | { error: string }>();
  const pods =
    !edge.from.includes(':') && !edge.to.includes(':') && edge.from !== 'rest' && edge.to !== 'rest';
  const port = edge.denied[0] ?? edge.allowed[0];
  const key = pods && port ? `${edge.from} ${edge.to} ${port}` : '';
  useEffect(() => {
    setVerdict(undefined);
    const [from, to, which] = key.split(' ');
    if (from && to && which) void fetchVerdict(from, to, which).then(setVerdict);
  }, [key]);
  return (
    <Panel
      testId="edge-details"
      title={
        <span className="flex flex-wrap items-center gap-2">
          {nodeName(view, edge.from)} → {nodeName(view, edge.to)} <VerdictBadge state={edge.state} />
        </span>
      }
    >
      <div className="space-y-3 text-sm">
        <p>
          Allowed: {edge.allowed.join(', ') || 'nothing'} · Denied: {edge.denied.join(', ') || 'nothing'} ·
          Seen: {edge.observed.allowed} allowed, {edge.observed.denied} denied
          {edge.pairs > 1 && (
            <span className="text-muted"> · stands for {edge.pairs.toLocaleString('en')} pod pairs</span>
          )}
        </p>
        {pods && !verdict && <p className="text-muted">Asking the policy model about {port}…</p>}
        {verdict && 'error' in verdict && <Notice tone="error">{verdict.error}</Notice>}
        {verdict && 'egress' in verdict && <VerdictView verdict={verdict} />}
      </div>
    </Panel>
  );
}

/** A node: what it is, the policies that isolate it, its denied peers, and what to do next (keyed by node). */
export function NodeDetails({
  view,
  node,
  onShow,
}: {
  view: GraphView;
  node: ViewNode;
  onShow: (request: ViewRequest) => void;
}) {
  const [suggestion, setSuggestion] = useState<string>();
  const denied = view.edges.filter(
    (edge) => edge.denied.length > 0 && (edge.from === node.id || edge.to === node.id),
  );
  const list = (names: readonly string[], none: string) =>
    names.length === 0 ? (
      <span className="text-muted">{none}</span>
    ) : (
      names.map((name) => <Badge key={name}>{name}</Badge>)
    );
  return (
    <Panel
      testId="pod-details"
      title={node.kind === 'pod' ? node.id : `${node.name} · ${node.kind}`}
      actions={
        <>
          {node.kind !== 'pod' && (
            <Button size="sm" onClick={() => onShow(drillInto(node))}>
              Show its pods
            </Button>
          )}
          {node.kind === 'pod' && !node.scope && (
            <Button size="sm" onClick={() => onShow(drillInto(node))}>
              Focus on this pod
            </Button>
          )}
          {node.kind === 'pod' && (
            <ButtonLink size="sm" href={`/flows?pod=${encodeURIComponent(node.id)}`}>
              Its flows
            </ButtonLink>
          )}
        </>
      }
    >
      <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1.5 text-sm">
        <dt className="text-muted">{node.kind === 'pod' ? 'IP' : 'Pods'}</dt>
        <dd>{node.kind === 'pod' ? (node.ip ?? 'no IP') : `${node.pods} (${node.isolatedPods} isolated)`}</dd>
        <dt className="text-muted">Labels</dt>
        <dd className="flex flex-wrap gap-1">
          {list(
            Object.entries(node.labels).map(([key, value]) => `${key}=${value}`),
            'none',
          )}
        </dd>
        <dt className="text-muted">Isolated for ingress by</dt>
        <dd className="flex flex-wrap gap-1">
          {list(node.isolatedBy.ingress, 'no policy (all ingress allowed)')}
        </dd>
        <dt className="text-muted">Isolated for egress by</dt>
        <dd className="flex flex-wrap gap-1">
          {list(node.isolatedBy.egress, 'no policy (all egress allowed)')}
        </dd>
        {node.clusterPolicies && (
          <>
            <dt className="text-muted">Cluster policies</dt>
            <dd className="flex flex-wrap gap-1">{list(node.clusterPolicies, 'none')}</dd>
          </>
        )}
        <dt className="text-muted">Denied peers</dt>
        <dd>
          {denied.length === 0 ? (
            <span className="text-muted">none</span>
          ) : (
            <ul className="space-y-0.5">
              {denied.slice(0, 12).map((edge) => (
                <li key={edge.id}>
                  {nodeName(view, edge.from)} → {nodeName(view, edge.to)} ({edge.denied.join(', ')})
                </li>
              ))}
              {denied.length > 12 && <li className="text-muted">…and {denied.length - 12} more</li>}
            </ul>
          )}
        </dd>
      </dl>
      {node.kind === 'pod' && (
        <div className="mt-3 space-y-2">
          <Button
            onClick={async () => {
              const body = (await (
                await fetch(`/api/policies/suggest?pod=${encodeURIComponent(node.id)}`)
              ).json()) as {
                yaml?: string;
              };
              setSuggestion(body.yaml || '# No traffic observed on this pod yet.\n');
            }}
          >
            Suggest a policy from observed traffic
          </Button>
          {suggestion !== undefined && (
            <div data-testid="suggestion" className="space-y-2">
              <pre className="rounded-md border border-line bg-raised p-3 font-mono text-xs whitespace-pre-wrap break-all">
                {suggestion}
              </pre>
              {suggestion.startsWith('apiVersion') && (
                <ButtonLink tone="primary" href={`/policies?draft=${encodeURIComponent(suggestion)}`}>
                  Open in the policy editor
                </ButtonLink>
              )}
            </div>
          )}
        </div>
      )}
    </Panel>
  );
}
