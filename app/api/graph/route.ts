import { buildGraph } from '../../../server/graph/build-graph.ts';
import { answerViewQuery, recentFlows } from '../../../server/graph/graph-service.ts';
import { clusterSource } from '../../../server/sources/source.ts';
import { sourceFailure } from '../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

const GROUPINGS = ['auto', 'pod', 'workload', 'namespace'] as const;

/**
 * `?view=auto|matrix|graph&…filters[&since=VERSION]`: one view of the graph (the page's), whole or
 * as the delta since the version the client holds. Without `view`,
 * `?group=auto|pod|workload|namespace`: the whole graph of the cluster, every pair of nodes, with
 * the flows of the last ten minutes overlaid; `auto` groups pods when there are many.
 */
export async function GET(request: Request): Promise<Response> {
  const source = clusterSource();
  const params = new URL(request.url).searchParams;
  const group = params.get('group') ?? 'auto';
  if (!params.has('view') && !(GROUPINGS as readonly string[]).includes(group)) {
    return Response.json(
      { error: `group must be one of ${GROUPINGS.join(', ')}`, field: 'group' },
      { status: 400 },
    );
  }
  try {
    const cluster = await source.cluster();
    if (params.has('view')) return Response.json({ ...source.status(), ...answerViewQuery(cluster, params) });
    const grouping = group as (typeof GROUPINGS)[number];
    return Response.json({ ...source.status(), ...buildGraph(cluster, recentFlows(), { grouping }) });
  } catch (error) {
    return sourceFailure(error);
  }
}
