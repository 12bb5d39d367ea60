import type { Flow } from './flow.ts';
import { kernelReason } from './flow-reason.ts';

/**
 * What decided a flow in a few words, as far as the flow itself tells (the flows page, the CLI):
 * the kernel's reason when it was not a policy, the ClusterNetworkPolicy whose Accept or Deny
 * decided in a cluster tier, the NetworkPolicy that allowed it, or that the pod is not isolated.
 * Undefined for a NetworkPolicy denial: the flow does not say which policies isolate the pod, so
 * each reader words that itself (the flows page asks the server).
 */
export function decidedByFlow(
  flow: Pick<Flow, 'reason' | 'tier' | 'verdict' | 'policy'>,
): string | undefined {
  const kernel = kernelReason(flow);
  if (kernel) return kernel;
  // Its bare name: beside the tier, which says it is a ClusterNetworkPolicy.
  if (flow.tier === 'Admin' || flow.tier === 'Baseline') return flow.policy ?? 'a ClusterNetworkPolicy';
  if (flow.verdict === 'deny') return undefined;
  return flow.policy ?? (flow.tier === 'NetworkPolicy' ? 'a NetworkPolicy' : 'not isolated');
}
