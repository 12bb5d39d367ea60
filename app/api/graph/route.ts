import { flowStore } from '../../../server/flows/flow-service.ts';
import { buildGraph } from '../../../server/graph/build-graph.ts';
import { clusterSource } from '../../../server/sources/source.ts';
import { sourceFailure } from '../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/** The pod-to-pod graph of the cluster (the lab's, or Kubernetes'), with the flows of the last ten minutes overlaid. */
export async function GET(): Promise<Response> {
  const source = clusterSource();
  try {
    const cluster = await source.cluster();
    const flows = flowStore().query({ since: Date.now() - 10 * 60 * 1000, limit: 10_000 });
    return Response.json({ ...source.status(), ...buildGraph(cluster, flows) });
  } catch (error) {
    return sourceFailure(error);
  }
}
