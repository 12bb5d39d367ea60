import { isolationOf } from '../../../server/flows/deciding-policies.ts';
import { otherMethods, readRoute } from '../../../server/http/route.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** `?pod=ns/name&pod=…`: the policies that isolate each pod, per direction (what decides a denial there). */
export const GET = readRoute({ query: (params) => params.getAll('pod') }, async ({ query: pods }) => ({
  pods: isolationOf(await clusterSource().cluster(), pods),
}));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
