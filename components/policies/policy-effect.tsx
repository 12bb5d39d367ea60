'use client';

import { viewToQuery } from '../../server/graph/view-request.ts';
import { GraphCanvas } from '../graph/graph-canvas.tsx';
import { useGraphFeed } from '../graph/use-graph-feed.ts';
import { Badge } from '../ui/badge.tsx';
import { ButtonLink } from '../ui/button.tsx';
import { Notice, Panel } from '../ui/panel.tsx';
import { VerdictIcon } from '../ui/verdict.tsx';

/**
 * A policy's reach: the pods it selects, and its effect on the graph: the edges its rules allow
 * and those its isolation denies, highlighted over the others (the graph page's `policy` view).
 */
export function PolicyEffect({ policy }: { policy: string }) {
  const query = viewToQuery({ view: 'graph', policy });
  const { view, error } = useGraphFeed(query, 3000);
  if (error)
    return (
      <Notice tone="error">
        Cannot show {policy}: {error}
      </Notice>
    );
  if (!view) return <p className="text-sm text-muted">Loading what {policy} selects…</p>;
  const selected = view.nodes.filter((node) => node.scope);
  const pods = selected.reduce((sum, node) => sum + node.pods, 0);
  const allows = view.edges.filter((edge) => edge.policy?.allows).length;
  const isolates = view.edges.filter((edge) => edge.policy?.isolates).length;
  return (
    <Panel
      title={`What ${policy} selects and decides`}
      testId="policy-effect"
      actions={
        <ButtonLink size="sm" href={`/graph${query}`}>
          Open in the graph
        </ButtonLink>
      }
    >
      <div className="space-y-3 text-sm">
        <p>
          Selects <strong>{pods}</strong> pod{pods === 1 ? '' : 's'}
          {pods > 0 ? ':' : ' (its podSelector matches none now).'}
        </p>
        <ul className="flex flex-wrap gap-1" aria-label="Selected pods">
          {selected.slice(0, 40).map((node) => (
            <li key={node.id}>
              <Badge tone="accent">
                {node.kind === 'pod' ? node.id : `${node.name} (${node.pods} pods)`}
              </Badge>
            </li>
          ))}
          {selected.length > 40 && <li className="text-muted">…and {selected.length - 40} more</li>}
        </ul>
        <p className="flex flex-wrap items-center gap-x-4 gap-y-1">
          <span className="flex items-center gap-1 text-allow">
            <VerdictIcon state="allowed" /> its rules allow traffic on {allows} edge{allows === 1 ? '' : 's'}
          </span>
          <span className="flex items-center gap-1 text-deny">
            <VerdictIcon state="denied" /> its isolation denies traffic on {isolates} edge
            {isolates === 1 ? '' : 's'}
          </span>
          <span className="text-muted">(highlighted; other edges faded)</span>
        </p>
        {view.aggregation.length > 0 && <p className="text-xs text-muted">{view.aggregation.join(' ')}</p>}
        {view.edges.length > 0 && <GraphCanvas view={view} onSelect={() => undefined} height="32rem" />}
      </div>
    </Panel>
  );
}
