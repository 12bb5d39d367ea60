import { buildGraph } from '../../../server/graph/build-graph.ts';
import { answerViewQuery, recentFlows } from '../../../server/graph/graph-service.ts';
import { viewFromQuery } from '../../../server/graph/view-request.ts';
import { queryOf } from '../../../server/http/query.ts';
import { otherMethods, readRoute } from '../../../server/http/route.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

const GROUPINGS = ['auto', 'pod', 'workload', 'namespace'] as const;

/**
 * `?view=auto|matrix|graph&…filters[&since=VERSION]`: one view of the graph (the page's), whole or
 * as the delta since the version the client holds. Without `view`,
 * `?group=auto|pod|workload|namespace`: the whole graph of the cluster, every pair of nodes, with
 * the flows of the last ten minutes overlaid; `auto` groups pods when there are many.
 */
export const GET = readRoute(
  {
    query: (params) => {
      const query = queryOf(params);
      if (!params.has('view')) return { grouping: query.choice('group', GROUPINGS) ?? 'auto' };
      return {
        view: viewFromQuery(params, true),
        since: query.number('since', 0, Number.MAX_SAFE_INTEGER, true),
      };
    },
  },
  async ({ query }) => {
    const source = clusterSource();
    const cluster = await source.cluster();
    if (query.view) return { ...source.status(), ...answerViewQuery(cluster, query.view, query.since) };
    return { ...source.status(), ...buildGraph(cluster, recentFlows(), { grouping: query.grouping }) };
  },
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
