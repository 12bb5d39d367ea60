import 'server-only';
import type { Flow } from '../flows/flow.ts';
import { flowStore } from '../flows/flow-service.ts';
import type { Cluster } from '../policy/cluster.ts';
import { buildView } from './build-view.ts';
import { type FeedAnswer, GraphFeed } from './graph-feed.ts';
import type { GraphView } from './graph-view.ts';
import { type ViewRequest, viewToQuery } from './view-request.ts';

const holder = globalThis as {
  palisadeGraphFeed?: GraphFeed;
  palisadeRecentFlows?: { at: number; flows: Flow[] };
  palisadeViews?: Map<string, { cluster: Cluster; version: number; flows: Flow[]; view: GraphView }>;
};

/** The flows of the last ten minutes (at most 10,000), read at most once a second for every view. */
export function recentFlows(now = Date.now()): Flow[] {
  const cached = holder.palisadeRecentFlows;
  if (cached && now - cached.at < 1000) return cached.flows;
  const flows = flowStore().query({ since: now - 10 * 60 * 1000, limit: 10_000 });
  // The same flows keep the same array, so the views built from them are not built again.
  const same =
    cached !== undefined &&
    cached.flows.length === flows.length &&
    JSON.stringify([cached.flows[0], cached.flows.at(-1)]) === JSON.stringify([flows[0], flows.at(-1)]);
  holder.palisadeRecentFlows = { at: now, flows: same ? cached.flows : flows };
  return holder.palisadeRecentFlows.flows;
}

/**
 * `GET /api/graph?view=…[&since=VERSION]`: the view the query asks for, whole, or as the delta
 * from the version the client holds.
 */
export function answerViewQuery(
  cluster: Cluster,
  request: ViewRequest,
  since: number | undefined,
): FeedAnswer {
  holder.palisadeGraphFeed ??= new GraphFeed();
  holder.palisadeViews ??= new Map();
  const key = viewToQuery(request);
  const flows = recentFlows();
  // Pages poll every second: a view is built again only when the cluster or the flows changed.
  let built = holder.palisadeViews.get(key);
  if (!built || built.cluster !== cluster || built.version !== cluster.version || built.flows !== flows) {
    built = { cluster, version: cluster.version, flows, view: buildView(cluster, flows, request) };
    holder.palisadeViews.delete(key);
    holder.palisadeViews.set(key, built);
    if (holder.palisadeViews.size > 64)
      holder.palisadeViews.delete(holder.palisadeViews.keys().next().value as string);
  }
  return holder.palisadeGraphFeed.answer(key, built.view, since);
}
