import { keyOf } from '../../../../server/kube/object-meta.ts';
import { readPolicyBody } from '../../../../server/policy/policy-body.ts';
import { sourceFailure } from '../../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/**
 * Checks the body's policies with the policy model, as `palisade policy` and apply would, and
 * says where the first problem is (`field`, and `document` or `line`), for the editor's markers.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const policies = readPolicyBody(request.headers.get('content-type'), await request.text());
    return Response.json({ policies: policies.map((policy) => keyOf(policy.metadata)) });
  } catch (error) {
    return sourceFailure(error);
  }
}
