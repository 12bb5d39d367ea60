import { dump } from 'js-yaml';
import { keyOf } from '../../../server/kube/object-meta.ts';
import { encodeObject } from '../../../server/kube/objects.ts';
import { labCluster, readLab } from '../../../server/lab/lab-store.ts';
import { applyToLab, deletePoliciesFromLab, LabInputError } from '../../../server/lab/lab-writes.ts';
import { PolicyBodyError, readPolicyBody } from '../../../server/policy/policy-body.ts';

export const dynamic = 'force-dynamic';

function failure(error: unknown): Response {
  if (error instanceof PolicyBodyError)
    return Response.json({ error: error.message, field: error.field }, { status: 400 });
  if (error instanceof LabInputError) return Response.json({ error: error.message }, { status: 400 });
  throw error;
}

const noLab = () => Response.json({ error: 'the lab is not up: run `palisade lab up`' }, { status: 409 });

/** The lab's NetworkPolicies, each with its YAML. */
export function GET(): Response {
  return Response.json({
    policies: labCluster()
      .allPolicies()
      .map((policy) => ({
        name: keyOf(policy.metadata),
        yaml: dump(encodeObject(policy), { noRefs: true }),
      })),
  });
}

/** Applies the body's policies to the lab, all or none, and answers once the agents enforce them. */
export async function POST(request: Request): Promise<Response> {
  if (!readLab()) return noLab();
  try {
    const policies = readPolicyBody(request.headers.get('content-type'), await request.text());
    return Response.json(await applyToLab(policies));
  } catch (error) {
    return failure(error);
  }
}

/** `?name=ns/name`: deletes a policy from the lab. */
export async function DELETE(request: Request): Promise<Response> {
  if (!readLab()) return noLab();
  const name = new URL(request.url).searchParams.get('name');
  if (!name) return Response.json({ error: 'name is required (ns/name)', field: 'name' }, { status: 400 });
  try {
    return Response.json({ deleted: name, generation: await deletePoliciesFromLab([name]) });
  } catch (error) {
    return failure(error);
  }
}
