import { nodeStatuses } from '../../../server/nodes/node-status.ts';

export const dynamic = 'force-dynamic';

/** Each node's agent: health, programs per pod, lost events, map fill, datapath mode. */
export async function GET(): Promise<Response> {
  return Response.json({ nodes: await nodeStatuses() });
}
