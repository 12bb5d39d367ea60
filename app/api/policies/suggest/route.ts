import { flowStore } from '../../../../server/flows/flow-service.ts';
import { queryOf } from '../../../../server/http/query.ts';
import { otherMethods, readRoute } from '../../../../server/http/route.ts';
import { quoted } from '../../../../server/kube/decode.ts';
import { FieldError } from '../../../../server/kube/field-error.ts';
import { suggestPolicy } from '../../../../server/policy/draft-policy.ts';
import { clusterSource } from '../../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** `?pod=ns/name`: a least-privilege policy drafted from the traffic observed on the pod. */
export const GET = readRoute(
  {
    query: (params) => {
      const query = queryOf(params);
      query.required('pod', 'ns/name');
      return query.key('pod') as string;
    },
  },
  async ({ query: pod }) => {
    const cluster = await clusterSource().cluster();
    if (!cluster.pod(pod)) throw new FieldError('pod', `no pod ${quoted(pod)}`);
    return { yaml: suggestPolicy(cluster, pod, flowStore().query({ pod, limit: 10_000 })) };
  },
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
