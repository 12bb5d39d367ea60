import { flowStore } from '../../../../server/flows/flow-service.ts';
import { POLICY_BODY } from '../../../../server/http/bodies.ts';
import { checkRoute, otherMethods } from '../../../../server/http/route.ts';
import { previewChange } from '../../../../server/policy/preview.ts';
import { clusterSource } from '../../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** What applying the body's policies would open and close, and which recent flows it would turn; applies nothing. */
export const POST = checkRoute({ body: POLICY_BODY }, async ({ body }) => {
  const recent = flowStore().query({ since: Date.now() - 10 * 60 * 1000, limit: 5000 });
  return previewChange(await clusterSource().cluster(), body, recent);
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
