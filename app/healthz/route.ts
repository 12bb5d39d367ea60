import { flowStore } from '../../server/flows/flow-service.ts';
import { readLab } from '../../server/lab/lab-store.ts';

export const dynamic = 'force-dynamic';

/** Liveness: the server answers, its flow store opens, and which datapath the lab runs. */
export function GET(): Response {
  const lab = readLab();
  return Response.json({ ok: true, datapath: lab?.datapath ?? 'none', flows: flowStore().count() });
}
