import { flowStore } from '../../server/flows/flow-service.ts';
import { otherMethods, readRoute } from '../../server/http/route.ts';
import { clusterSource } from '../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** Liveness: the server answers, its flow store opens, and where its cluster comes from. */
export const GET = readRoute({}, () => ({
  ok: true,
  ...clusterSource().status(),
  flows: flowStore().count(),
}));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
