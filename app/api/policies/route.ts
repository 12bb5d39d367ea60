import { dump } from 'js-yaml';
import { keyOf } from '../../../server/kube/object-meta.ts';
import { encodeObject } from '../../../server/kube/objects.ts';
import { logger } from '../../../server/log.ts';
import { readPolicyBody } from '../../../server/policy/policy-body.ts';
import { clusterSource } from '../../../server/sources/source.ts';
import { sourceFailure } from '../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

const log = logger('dashboard');

/** The cluster's NetworkPolicies, each with its YAML. */
export async function GET(): Promise<Response> {
  try {
    const cluster = await clusterSource().cluster();
    return Response.json({
      policies: cluster.allPolicies().map((policy) => ({
        name: keyOf(policy.metadata),
        yaml: dump(encodeObject(policy), { noRefs: true }),
      })),
    });
  } catch (error) {
    return sourceFailure(error);
  }
}

/**
 * Applies the body's policies, all or none: in the lab answered once the agents enforce them; in
 * Kubernetes mode as the caller (their bearer token), after a dry run of every one.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const policies = readPolicyBody(request.headers.get('content-type'), await request.text());
    const result = await clusterSource().applyPolicies(policies, request.headers.get('authorization'));
    log.info('policies applied', { applied: result.applied, generation: result.generation });
    return Response.json(result);
  } catch (error) {
    return sourceFailure(error);
  }
}

/** `?name=ns/name`: deletes a policy. */
export async function DELETE(request: Request): Promise<Response> {
  const name = new URL(request.url).searchParams.get('name');
  if (!name) return Response.json({ error: 'name is required (ns/name)', field: 'name' }, { status: 400 });
  try {
    const result = await clusterSource().deletePolicy(name, request.headers.get('authorization'));
    log.info('policy deleted', { name, generation: result.generation });
    return Response.json({ deleted: name, ...result });
  } catch (error) {
    return sourceFailure(error);
  }
}
