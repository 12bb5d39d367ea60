import type { ClusterPolicyEndpoint } from '../kube/cluster-policy-endpoint.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';

/** What the controller writes: PolicyEndpoints (namespaced) and ClusterPolicyEndpoints. */
export type ManagedEndpoint = PolicyEndpoint | ClusterPolicyEndpoint;

/** The label on every PolicyEndpoint this controller owns. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'palisade' } as const;

const isManaged = (endpoint: ManagedEndpoint) =>
  endpoint.metadata.labels['app.kubernetes.io/managed-by'] === MANAGED_BY['app.kubernetes.io/managed-by'];

/** `ns/name` of the NetworkPolicy a PolicyEndpoint was computed from, the name of a ClusterPolicyEndpoint's ClusterNetworkPolicy. */
export const policyKeyOf = (endpoint: ManagedEndpoint) =>
  endpoint.kind === 'ClusterPolicyEndpoint'
    ? endpoint.spec.policyRef.name
    : keyOf({ namespace: endpoint.spec.policyRef.namespace, name: endpoint.spec.policyRef.name });

/**
 * The PolicyEndpoints that carry our label, as the API server has them, found by their policy
 * without a pass over all of them. Others (AWS's controller's) are not ours to change.
 */
export class ManagedEndpoints {
  private readonly policyOf = new Map<string, string>();
  private readonly byPolicy = new Map<string, Map<string, ManagedEndpoint>>();

  /** Records the PolicyEndpoint's current version; returns the policies it belonged to before and now. */
  set(endpoint: ManagedEndpoint): string[] {
    const key = keyOf(endpoint.metadata);
    const before = this.delete(key);
    if (!isManaged(endpoint)) return before ? [before] : [];
    const policy = policyKeyOf(endpoint);
    this.policyOf.set(key, policy);
    const endpoints = this.byPolicy.get(policy) ?? new Map<string, ManagedEndpoint>();
    this.byPolicy.set(policy, endpoints);
    endpoints.set(key, endpoint);
    return before && before !== policy ? [before, policy] : [policy];
  }

  /** Forgets a PolicyEndpoint; returns the policy it belonged to, if it was ours. */
  delete(key: string): string | undefined {
    const policy = this.policyOf.get(key);
    if (policy === undefined) return undefined;
    this.policyOf.delete(key);
    const endpoints = this.byPolicy.get(policy);
    endpoints?.delete(key);
    if (endpoints?.size === 0) this.byPolicy.delete(policy);
    return policy;
  }

  /** One of our PolicyEndpoints, by `ns/name`. */
  get(key: string): ManagedEndpoint | undefined {
    const policy = this.policyOf.get(key);
    return policy === undefined ? undefined : this.byPolicy.get(policy)?.get(key);
  }

  /** Our PolicyEndpoints of one policy. */
  of(policyKey: string): ManagedEndpoint[] {
    return [...(this.byPolicy.get(policyKey)?.values() ?? [])];
  }

  /** Every policy that has PolicyEndpoints of ours. */
  policies(): Iterable<string> {
    return this.byPolicy.keys();
  }
}
