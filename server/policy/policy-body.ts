import type { ClusterNetworkPolicy } from '../kube/cluster-network-policy.ts';
import type { NetworkPolicy } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import { parseState, StateFileError } from '../kube/state-file.ts';

/** The largest policy body taken: far more than any set of policies a person writes. */
export const MAX_POLICY_BODY_BYTES = 512 * 1024;
/** The most policies one body may hold. */
export const MAX_POLICIES = 100;

/** What the editor and the policy routes take: NetworkPolicies and ClusterNetworkPolicies. */
export type EditablePolicy = NetworkPolicy | ClusterNetworkPolicy;

const isEditable = (object: { kind: string }): object is EditablePolicy =>
  object.kind === 'NetworkPolicy' || object.kind === 'ClusterNetworkPolicy';

/** A request body that holds no valid NetworkPolicy: the message names the object and the field. */
export class PolicyBodyError extends Error {
  readonly field: string;
  /** Where in the YAML: the 1-based document, or the line of a syntax error (for editors). */
  readonly at: { readonly document?: number; readonly line?: number };

  constructor(field: string, message: string, at: PolicyBodyError['at'] = {}) {
    super(message);
    this.name = 'PolicyBodyError';
    this.field = field;
    this.at = at;
  }
}

/**
 * The NetworkPolicies and ClusterNetworkPolicies of a request body: YAML (`application/yaml`), or JSON `{"yaml": "…"}`.
 * Anything else, a policy that does not validate, or more than {@link MAX_POLICIES}, is an error
 * naming the field. YAML aliases are refused as they are read (see `parseState`), so a small body
 * cannot expand into a huge one.
 */
export function readPolicyBody(contentType: string | null, text: string): EditablePolicy[] {
  let yaml = text;
  if ((contentType ?? '').includes('json')) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PolicyBodyError('body', 'the body is not JSON');
    }
    const field = (body as { yaml?: unknown } | null)?.yaml;
    if (typeof field !== 'string')
      throw new PolicyBodyError('yaml', 'yaml: must be the policy YAML, as a string');
    yaml = field;
  }
  let objects: ReturnType<typeof parseState>;
  try {
    objects = parseState(yaml, 'policy', { strict: true });
  } catch (error) {
    if (error instanceof StateFileError) {
      throw new PolicyBodyError(
        error.field ?? 'yaml',
        error.message.replace(/^policy: (document \d+: )?/, ''),
        error.at,
      );
    }
    throw error;
  }
  const other = objects.find((object) => !isEditable(object));
  if (other)
    throw new PolicyBodyError(
      'kind',
      `only NetworkPolicies and ClusterNetworkPolicies are taken here, not ${other.kind} ${keyOf(other.metadata)}`,
    );
  const policies = objects.filter(isEditable);
  if (policies.length === 0)
    throw new PolicyBodyError('yaml', 'the body holds no NetworkPolicy or ClusterNetworkPolicy');
  if (policies.length > MAX_POLICIES)
    throw new PolicyBodyError(
      'yaml',
      `at most ${MAX_POLICIES} policies in one request, not ${policies.length}`,
    );
  return policies;
}
