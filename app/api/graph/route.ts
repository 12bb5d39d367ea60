import { flowStore } from '../../../server/flows/flow-service.ts';
import { buildGraph } from '../../../server/graph/build-graph.ts';
import { clusterSource } from '../../../server/sources/source.ts';
import { sourceFailure } from '../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

const GROUPINGS = ['auto', 'pod', 'workload', 'namespace'] as const;

/**
 * `?group=auto|pod|workload|namespace`: the graph of the cluster (the lab's, or Kubernetes'), with
 * the flows of the last ten minutes overlaid; `auto` groups pods when there are many.
 */
export async function GET(request: Request): Promise<Response> {
  const source = clusterSource();
  const group = new URL(request.url).searchParams.get('group') ?? 'auto';
  if (!(GROUPINGS as readonly string[]).includes(group)) {
    return Response.json(
      { error: `group must be one of ${GROUPINGS.join(', ')}`, field: 'group' },
      { status: 400 },
    );
  }
  try {
    const cluster = await source.cluster();
    const flows = flowStore().query({ since: Date.now() - 10 * 60 * 1000, limit: 10_000 });
    const grouping = group as (typeof GROUPINGS)[number];
    return Response.json({ ...source.status(), ...buildGraph(cluster, flows, { grouping }) });
  } catch (error) {
    return sourceFailure(error);
  }
}
