import { flowStore } from '../../../server/flows/flow-service.ts';
import { overview } from '../../../server/overview/overview.ts';
import { clusterSource } from '../../../server/sources/source.ts';
import { sourceFailure } from '../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/** The overview's figures: policies, isolation per namespace, flows over the last hour, top denied pairs, agents. */
export async function GET(): Promise<Response> {
  try {
    const source = clusterSource();
    const [cluster, nodes] = await Promise.all([source.cluster(), source.nodes()]);
    return Response.json({ ...source.status(), ...overview(cluster, flowStore(), nodes, Date.now()) });
  } catch (error) {
    return sourceFailure(error);
  }
}
