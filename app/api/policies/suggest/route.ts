import { flowStore } from '../../../../server/flows/flow-service.ts';
import { suggestPolicy } from '../../../../server/policy/draft-policy.ts';
import { clusterSource } from '../../../../server/sources/source.ts';
import { sourceFailure } from '../../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/** `?pod=ns/name`: a least-privilege policy drafted from the traffic observed on the pod. */
export async function GET(request: Request): Promise<Response> {
  const pod = new URL(request.url).searchParams.get('pod');
  try {
    const cluster = await clusterSource().cluster();
    if (!pod || !cluster.pod(pod))
      return Response.json({ error: `no pod ${JSON.stringify(pod ?? '')}`, field: 'pod' }, { status: 400 });
    return Response.json({ yaml: suggestPolicy(cluster, pod, flowStore().query({ pod, limit: 10_000 })) });
  } catch (error) {
    return sourceFailure(error);
  }
}
