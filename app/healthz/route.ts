import { flowStore } from '../../server/flows/flow-service.ts';
import { clusterSource } from '../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** Liveness: the server answers, its flow store opens, and where its cluster comes from. */
export function GET(): Response {
  return Response.json({ ok: true, ...clusterSource().status(), flows: flowStore().count() });
}
