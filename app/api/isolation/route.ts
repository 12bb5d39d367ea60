import { isolationOf } from '../../../server/flows/deciding-policies.ts';
import { clusterSource } from '../../../server/sources/source.ts';
import { sourceFailure } from '../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/** `?pod=ns/name&pod=…`: the policies that isolate each pod, per direction (what decides a denial there). */
export async function GET(request: Request): Promise<Response> {
  try {
    const cluster = await clusterSource().cluster();
    return Response.json({ pods: isolationOf(cluster, new URL(request.url).searchParams.getAll('pod')) });
  } catch (error) {
    return sourceFailure(error);
  }
}
