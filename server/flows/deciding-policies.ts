import { FieldError } from '../kube/field-error.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Cluster } from '../policy/cluster.ts';

/** The policies that isolate a pod, per direction: those that decide a denial at that pod. */
export interface PodIsolation {
  readonly ingress: readonly string[];
  readonly egress: readonly string[];
}

/** At most this many pods per question (the flows page asks for the rows it shows). */
const MAX_PODS = 500;

/**
 * The isolating policies of each pod named (`ns/name`): a flow denied at a pod on its way in was
 * denied by default because those of `ingress` isolate it and none of their rules allowed it; on
 * its way out, those of `egress`. Pods that do not exist are left out.
 */
export function isolationOf(cluster: Cluster, pods: readonly string[]): Record<string, PodIsolation> {
  if (pods.length > MAX_PODS)
    throw new FieldError('pod', `at most ${MAX_PODS} pods at once, got ${pods.length}`);
  const result: Record<string, PodIsolation> = {};
  for (const key of new Set(pods)) {
    const pod = cluster.pod(key);
    if (!pod) continue;
    const names = (direction: 'Ingress' | 'Egress') =>
      cluster.policiesSelecting(pod, direction).map((policy) => keyOf(policy.metadata));
    result[key] = { ingress: names('Ingress'), egress: names('Egress') };
  }
  return result;
}
