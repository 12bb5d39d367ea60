import { FieldError } from '../kube/field-error.ts';
import type { NetworkPolicy } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import { parseState, StateFileError } from '../kube/state-file.ts';

/**
 * The NetworkPolicies of a request body: YAML (`application/yaml`), or JSON `{"yaml": "…"}`.
 * Anything else, or a policy that does not validate, is an error naming the field.
 */
export function readPolicyBody(contentType: string | null, text: string): NetworkPolicy[] {
  let yaml = text;
  if ((contentType ?? '').includes('json')) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new FieldError('body', 'is not JSON');
    }
    const field = (body as { yaml?: unknown } | null)?.yaml;
    if (typeof field !== 'string') throw new FieldError('yaml', 'must be the policy YAML, as a string');
    yaml = field;
  }
  let objects: ReturnType<typeof parseState>;
  try {
    objects = parseState(yaml, 'policy');
  } catch (error) {
    if (error instanceof StateFileError)
      throw new FieldError(error.field ?? 'yaml', error.message.replace(/^policy: /, ''));
    throw error;
  }
  const policies = objects.filter((object): object is NetworkPolicy => object.kind === 'NetworkPolicy');
  const other = objects.find((object) => object.kind !== 'NetworkPolicy');
  if (other)
    throw new FieldError(
      'kind',
      `only NetworkPolicies are taken here, not ${other.kind} ${keyOf(other.metadata)}`,
    );
  if (policies.length === 0) throw new FieldError('yaml', 'holds no NetworkPolicy');
  return policies;
}
