import { clusterSource } from '../../../server/sources/source.ts';
import { sourceFailure } from '../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/** Each node's agent: health, programs per pod, lost events, map fill, datapath mode. */
export async function GET(): Promise<Response> {
  try {
    return Response.json({ nodes: await clusterSource().nodes() });
  } catch (error) {
    return sourceFailure(error);
  }
}
