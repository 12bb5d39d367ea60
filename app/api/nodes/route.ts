import { otherMethods, readRoute } from '../../../server/http/route.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** Each node's agent: health, programs per pod, lost events, map fill, datapath mode. */
export const GET = readRoute({}, async () => ({ nodes: await clusterSource().nodes() }));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
