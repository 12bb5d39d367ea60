import { POLICY_BODY } from '../../../../server/http/bodies.ts';
import { checkRoute } from '../../../../server/http/route.ts';
import { keyOf } from '../../../../server/kube/object-meta.ts';

export const dynamic = 'force-dynamic';

/**
 * Checks the body's policies with the policy model, as `palisade policy` and apply would, and
 * says where the first problem is (`field`, and `document` or `line`), for the editor's markers.
 */
export const POST = checkRoute({ body: POLICY_BODY }, ({ body }) => ({
  policies: body.map((policy) => keyOf(policy.metadata)),
  kinds: [...new Set(body.map((policy) => policy.kind))],
}));
