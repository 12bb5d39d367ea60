import { flowStore } from '../../../server/flows/flow-service.ts';
import { buildGraph } from '../../../server/graph/build-graph.ts';
import { labCluster, readLab } from '../../../server/lab/lab-store.ts';

export const dynamic = 'force-dynamic';

/** The pod-to-pod graph of the lab, with the flows of the last ten minutes overlaid. */
export function GET(): Response {
  const lab = readLab();
  const flows = flowStore().query({ since: Date.now() - 10 * 60 * 1000, limit: 10_000 });
  return Response.json({
    datapath: lab?.datapath ?? 'none',
    simulatedBecause: lab?.simulatedBecause,
    ...buildGraph(labCluster(), flows),
  });
}
