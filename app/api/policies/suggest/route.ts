import { flowStore } from '../../../../server/flows/flow-service.ts';
import { queryOf } from '../../../../server/http/query.ts';
import { otherMethods, readRoute } from '../../../../server/http/route.ts';
import { FieldError } from '../../../../server/kube/field-error.ts';
import { suggestPolicy } from '../../../../server/policy/draft-policy.ts';
import { clusterSource } from '../../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** `?pod=ns/name`: a least-privilege policy drafted from the traffic observed on the pod. */
export const GET = readRoute(
  { query: (params) => queryOf(params).required('pod', 'ns/name') },
  async ({ query: pod }) => {
    const cluster = await clusterSource().cluster();
    if (!cluster.pod(pod)) throw new FieldError('pod', `no pod ${JSON.stringify(pod)}`);
    return { yaml: suggestPolicy(cluster, pod, flowStore().query({ pod, limit: 10_000 })) };
  },
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
