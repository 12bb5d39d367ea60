import { POLICY_BODY } from '../../../../server/http/bodies.ts';
import { checkRoute, otherMethods } from '../../../../server/http/route.ts';
import { keyOf } from '../../../../server/kube/object-meta.ts';
import { ruleOrderWarnings } from '../../../../server/policy/tiers.ts';

export const dynamic = 'force-dynamic';

/**
 * Checks the body's policies with the policy model, as `palisade policy` and apply would, and
 * says where the first problem is (`field`, and `document` or `line`), for the editor's markers;
 * `warnings` are valid rules that may not do what they seem to (each with its `document` and `field`).
 */
export const POST = checkRoute({ body: POLICY_BODY }, ({ body }) => ({
  policies: body.map((policy) => keyOf(policy.metadata)),
  kinds: [...new Set(body.map((policy) => policy.kind))],
  warnings: body.flatMap((policy, i) =>
    policy.kind === 'ClusterNetworkPolicy'
      ? ruleOrderWarnings(policy).map((warning) => ({ document: i + 1, ...warning }))
      : [],
  ),
}));

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
