import 'server-only';
import type { Flow } from '../flows/flow.ts';
import { flowStore } from '../flows/flow-service.ts';
import { FieldError } from '../kube/field-error.ts';
import type { Cluster } from '../policy/cluster.ts';
import { buildView } from './build-view.ts';
import { type FeedAnswer, GraphFeed } from './graph-feed.ts';
import { viewFromQuery, viewToQuery } from './view-request.ts';

const holder = globalThis as {
  palisadeGraphFeed?: GraphFeed;
  palisadeRecentFlows?: { at: number; flows: Flow[] };
};

/** The flows of the last ten minutes (at most 10,000), read at most once a second for every view. */
export function recentFlows(now = Date.now()): Flow[] {
  const cached = holder.palisadeRecentFlows;
  if (cached && now - cached.at < 1000) return cached.flows;
  const flows = flowStore().query({ since: now - 10 * 60 * 1000, limit: 10_000 });
  holder.palisadeRecentFlows = { at: now, flows };
  return flows;
}

/**
 * `GET /api/graph?view=…[&since=VERSION]`: the view the query asks for, whole, or as the delta
 * from the version the client holds.
 */
export function answerViewQuery(cluster: Cluster, params: URLSearchParams): FeedAnswer {
  const request = viewFromQuery(params, true);
  const sinceText = params.get('since');
  const since = sinceText === null ? undefined : Number(sinceText);
  if (since !== undefined && !Number.isSafeInteger(since))
    throw new FieldError('since', 'must be a version number');
  holder.palisadeGraphFeed ??= new GraphFeed();
  return holder.palisadeGraphFeed.answer(
    viewToQuery(request),
    buildView(cluster, recentFlows(), request),
    since,
  );
}
