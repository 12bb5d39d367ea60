import { flowStore } from '../../../server/flows/flow-service.ts';
import { otherMethods, readRoute } from '../../../server/http/route.ts';
import { overview } from '../../../server/overview/overview.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** The overview's figures: policies, isolation per namespace, flows over the last hour, top denied pairs, agents. */
export const GET = readRoute({}, async () => {
  const source = clusterSource();
  const [cluster, nodes] = await Promise.all([source.cluster(), source.nodes()]);
  return { ...source.status(), ...overview(cluster, flowStore(), nodes, Date.now()) };
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
