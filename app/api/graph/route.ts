import { buildGraph } from '../../../server/graph/build-graph.ts';
import { answerViewQuery, recentFlows } from '../../../server/graph/graph-service.ts';
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
    query: (params) => ({
      params,
      grouping: params.has('view') ? 'auto' : (queryOf(params).choice('group', GROUPINGS) ?? 'auto'),
    }),
  },
  async ({ query: { params, grouping } }) => {
    const source = clusterSource();
    const cluster = await source.cluster();
    if (params.has('view')) return { ...source.status(), ...answerViewQuery(cluster, params) };
    return { ...source.status(), ...buildGraph(cluster, recentFlows(), { grouping }) };
  },
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
