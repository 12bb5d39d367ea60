import { flowStore } from '../../../../server/flows/flow-service.ts';
import { labCluster } from '../../../../server/lab/lab-store.ts';
import { suggestPolicy } from '../../../../server/policy/draft-policy.ts';

export const dynamic = 'force-dynamic';

/** `?pod=ns/name`: a least-privilege policy drafted from the traffic observed on the pod. */
export function GET(request: Request): Response {
  const pod = new URL(request.url).searchParams.get('pod');
  const cluster = labCluster();
  if (!pod || !cluster.pod(pod))
    return Response.json({ error: `no pod ${JSON.stringify(pod ?? '')}`, field: 'pod' }, { status: 400 });
  return Response.json({ yaml: suggestPolicy(cluster, pod, flowStore().query({ pod, limit: 10_000 })) });
}
