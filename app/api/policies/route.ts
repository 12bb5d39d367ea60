import { dump } from 'js-yaml';
import { POLICY_BODY } from '../../../server/http/bodies.ts';
import { queryOf } from '../../../server/http/query.ts';
import { accepted, otherMethods, readRoute, writeRoute } from '../../../server/http/route.ts';
import { FieldError } from '../../../server/kube/field-error.ts';
import { objectKeyProblem } from '../../../server/kube/names.ts';
import { keyOf } from '../../../server/kube/object-meta.ts';
import { encodeObject } from '../../../server/kube/objects.ts';
import { logger } from '../../../server/log.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

const log = logger('dashboard');

/** The cluster's NetworkPolicies, then its ClusterNetworkPolicies (by tier and priority), each with its YAML. */
export const GET = readRoute({}, async () => {
  const cluster = await clusterSource().cluster();
  return {
    policies: [...cluster.allPolicies(), ...cluster.allClusterPolicies()].map((policy) => ({
      name: keyOf(policy.metadata),
      yaml: dump(encodeObject(policy), { noRefs: true }),
    })),
  };
});

/**
 * Applies the body's policies, all or none: in the lab answered once the agents enforce them (with
 * the pods an agent closed, in `closed`), or 202 with `pending` when one has not caught up; in
 * Kubernetes mode as the caller (their bearer token), after a dry run of every one.
 */
export const POST = writeRoute({ body: POLICY_BODY }, async ({ body, caller }) => {
  const result = await clusterSource().applyPolicies(body, caller);
  log.info('policies applied', {
    by: caller.username,
    applied: result.applied,
    generation: result.generation,
    ...(result.pending ? { pending: result.pending } : {}),
  });
  return result.pending ? accepted(result) : result;
});

/** `?name=ns/name`: deletes a NetworkPolicy; `?name=name`, a ClusterNetworkPolicy. */
export const DELETE = writeRoute(
  {
    query: (params) => {
      const name = queryOf(params).required('name', 'ns/name, or a ClusterNetworkPolicy’s name');
      const problem = objectKeyProblem(name, true);
      if (problem) throw new FieldError('name', problem);
      return name;
    },
  },
  async ({ query: name, caller }) => {
    const result = await clusterSource().deletePolicy(name, caller);
    log.info('policy deleted', {
      by: caller.username,
      name,
      generation: result.generation,
      ...(result.pending ? { pending: result.pending } : {}),
    });
    return result.pending ? accepted({ deleted: name, ...result }) : { deleted: name, ...result };
  },
);

export const { PUT, PATCH, OPTIONS } = otherMethods('GET', 'POST', 'DELETE');
