import { compilePodRules, identityOf } from '../../agent/datapath/compile.ts';
import { clusterPolicyEndpointsFor } from '../controller/cluster-policy-endpoints.ts';
import { policyEndpointsFor } from '../controller/policy-endpoints.ts';
import type { ClusterNetworkPolicy } from '../kube/cluster-network-policy.ts';
import type { ClusterPolicyEndpoint } from '../kube/cluster-policy-endpoint.ts';
import type { NetworkPolicy } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import { type Pod, podIPsOf } from '../kube/pod.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';
import type { Cluster } from './cluster.ts';

/** A pod whose agent would close it in a direction rather than enforce part of its rules, and why. */
export interface WouldClose {
  readonly pod: string;
  readonly direction: 'ingress' | 'egress';
  readonly reason: string;
}

/**
 * The pods that `changed` policies select in `after` (the cluster once they are applied) whose
 * rules the datapath could not hold, so that their agent would close them (the README's "Fail
 * closed, per pod"): each pod's PolicyEndpoints and ClusterPolicyEndpoints compiled as its agent
 * compiles them. Pods under the same policies compile alike, so one of each such set is compiled.
 */
export function podsThatWouldClose(after: Cluster, changed: ReadonlySet<string>): WouldClose[] {
  const endpoints = new Map<NetworkPolicy, PolicyEndpoint[]>();
  const clusterEndpoints = new Map<ClusterNetworkPolicy, ClusterPolicyEndpoint[]>();
  const verdicts = new Map<string, Omit<WouldClose, 'pod'>[]>();
  const closing: WouldClose[] = [];
  for (const pod of after.allPods()) {
    const policies = [
      ...new Set([...after.policiesSelecting(pod, 'Ingress'), ...after.policiesSelecting(pod, 'Egress')]),
    ];
    const tiers = [
      ...new Set(
        (['Admin', 'Baseline'] as const).flatMap((tier) => [
          ...after.clusterPoliciesSelecting(pod, 'Ingress', tier),
          ...after.clusterPoliciesSelecting(pod, 'Egress', tier),
        ]),
      ),
    ];
    const keys = [
      ...policies.map((policy) => keyOf(policy.metadata)),
      ...tiers.map((policy) => policy.metadata.name),
    ];
    if (!keys.some((key) => changed.has(key))) continue;
    const set = keys.sort().join(' ');
    let found = verdicts.get(set);
    if (!found) {
      const own = policies.flatMap((policy) =>
        memo(endpoints, policy, () => policyEndpointsFor(after, policy)),
      );
      const others = tiers.flatMap((policy) =>
        memo(clusterEndpoints, policy, () => clusterPolicyEndpointsFor(after, policy)),
      );
      found = failures(pod, own, others);
      verdicts.set(set, found);
    }
    const name = keyOf(pod.metadata);
    closing.push(...found.map((failure) => ({ pod: name, ...failure })));
  }
  return closing;
}

function memo<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** The directions the pod's agent would close, compiling its rules as the agent does. */
function failures(
  pod: Pod,
  own: PolicyEndpoint[],
  others: ClusterPolicyEndpoint[],
): Omit<WouldClose, 'pod'>[] {
  const rules = compilePodRules(identityOf(keyOf(pod.metadata), podIPsOf(pod)), own, others);
  return (['ingress', 'egress'] as const).flatMap((direction) => {
    const reason = rules[direction].failure;
    return reason === undefined ? [] : [{ direction, reason }];
  });
}
