import { explainConnection } from '../../../server/flows/explain-connection.ts';
import { clusterSource } from '../../../server/sources/source.ts';
import { sourceFailure } from '../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/** `?from=ns/pod|IP&to=ns/pod|IP&port=80&protocol=TCP`: the verdict and why, from the policy model. */
export async function GET(request: Request): Promise<Response> {
  try {
    const cluster = await clusterSource().cluster();
    return Response.json(explainConnection(cluster, new URL(request.url).searchParams));
  } catch (error) {
    return sourceFailure(error);
  }
}
