'use client';

import { useEffect, useState } from 'react';
import { type FeedAnswer, viewAfter } from '../../server/graph/graph-feed.ts';
import type { GraphView } from '../../server/graph/graph-view.ts';
import type { SourceStatus } from '../../server/sources/cluster-source.ts';

/**
 * A view of the graph kept live: fetched whole once, then every second only what changed since
 * the version held (`/api/graph?view=…&since=VERSION`), so a policy applied anywhere shows at once
 * without downloading the whole graph again. A query the server refuses is not asked again.
 */
export function useGraphFeed(query: string, intervalMs = 1000) {
  const [state, setState] = useState<{
    query: string;
    version: number;
    view: GraphView;
    status: SourceStatus;
  }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    // Another query: the last one's error is not about it.
    setError(undefined);
    let stopped = false;
    let held: { version: number; view: GraphView } | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const params = new URLSearchParams(query);
        if (!params.has('view')) params.set('view', 'auto');
        if (held) params.set('since', String(held.version));
        const response = await fetch(`/api/graph?${params}`, { cache: 'no-store' });
        const body = (await response.json()) as (FeedAnswer & SourceStatus) | { error: string };
        if (stopped) return;
        if ('error' in body) {
          // The query is wrong (a 4xx): asking again cannot help, the filters must change.
          if (response.status < 500) {
            setError(body.error);
            return;
          }
          throw new Error(body.error);
        }
        const view = viewAfter(held, body);
        // An unchanged view keeps its object: nothing is drawn again.
        if ('full' in body || Object.keys(body.delta).length > 0) {
          const { mode, datapath, simulatedBecause, readOnly, server } = body;
          setState({
            query,
            version: body.version,
            view,
            status: { mode, datapath, simulatedBecause, readOnly, server },
          });
        }
        held = { version: body.version, view };
        setError(undefined);
      } catch (failure) {
        if (!stopped) setError((failure as Error).message);
      }
      if (!stopped) timer = setTimeout(poll, intervalMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [query, intervalMs]);
  // A query that fails keeps the last view on screen, with the error beside it.
  return { ...(state && (state.query === query || error) ? state : undefined), error };
}
