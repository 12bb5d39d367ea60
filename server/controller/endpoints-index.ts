import type { Namespace } from '../kube/namespace.ts';
import type { NetworkPolicy } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';
import type { Cluster, ClusterObject } from '../policy/cluster.ts';
import { peerMatches } from '../policy/match.ts';
import { selectorMatches } from '../policy/selector.ts';
import { DEFAULT_CHUNK_SIZE, policyEndpointsFor } from './policy-endpoints.ts';

/** What one change did to the desired PolicyEndpoints, by policy key (`ns/name`). */
export interface EndpointsChange {
  /** Policies whose PolicyEndpoints are new or differ, with all of their PolicyEndpoints now. */
  readonly updated: ReadonlyMap<string, readonly PolicyEndpoint[]>;
  /** Policies that are gone, so are their PolicyEndpoints. */
  readonly removed: readonly string[];
  /** How many policies were recomputed to find this out. */
  readonly recomputed: number;
}

/**
 * The controller's desired state: the PolicyEndpoints of every NetworkPolicy in a cluster, kept
 * up to date incrementally. A change to a pod recomputes only the policies that select it or
 * name it as a peer; a namespace change only the policies with namespace selectors.
 */
export class EndpointsIndex {
  private readonly cluster: Cluster;
  private readonly chunkSize: number;
  private readonly desired = new Map<string, { endpoints: PolicyEndpoint[]; json: string }>();

  constructor(cluster: Cluster, chunkSize = DEFAULT_CHUNK_SIZE) {
    this.cluster = cluster;
    this.chunkSize = chunkSize;
    for (const policy of cluster.allPolicies()) this.recompute(policy);
  }

  /** The desired PolicyEndpoints of every policy, sorted by policy key. */
  all(): PolicyEndpoint[] {
    return [...this.desired.keys()].sort().flatMap((key) => this.desired.get(key)?.endpoints ?? []);
  }

  of(policyKey: string): readonly PolicyEndpoint[] {
    return this.desired.get(policyKey)?.endpoints ?? [];
  }

  /** Adds or replaces an object in the cluster and recomputes what it touches. */
  set(object: ClusterObject): EndpointsChange {
    const old = this.cluster.set(object);
    return this.afterChange(object.kind, old, object);
  }

  /** Removes an object from the cluster and recomputes what it touched. */
  delete(kind: ClusterObject['kind'], key: string): EndpointsChange {
    const old = this.cluster.delete(kind, key);
    return this.afterChange(kind, old, undefined);
  }

  private afterChange(
    kind: ClusterObject['kind'],
    old?: ClusterObject,
    current?: ClusterObject,
  ): EndpointsChange {
    const updated = new Map<string, readonly PolicyEndpoint[]>();
    const removed: string[] = [];
    let recomputed = 0;
    const refresh = (policy: NetworkPolicy) => {
      recomputed++;
      if (this.recompute(policy)) updated.set(keyOf(policy.metadata), this.of(keyOf(policy.metadata)));
    };
    switch (kind) {
      case 'NetworkPolicy': {
        const policy = current as NetworkPolicy | undefined;
        if (policy) refresh(policy);
        else if (old && this.desired.delete(keyOf(old.metadata))) removed.push(keyOf(old.metadata));
        break;
      }
      case 'Pod':
        for (const policy of this.policiesTouching([old, current] as (Pod | undefined)[])) refresh(policy);
        break;
      case 'Namespace': {
        const versions = [old, current].filter((ns): ns is Namespace => ns !== undefined);
        for (const policy of this.cluster.allPolicies()) {
          if (usesNamespaceSelector(policy, versions)) refresh(policy);
        }
        break;
      }
      case 'PolicyEndpoint':
        break;
    }
    return { updated, removed, recomputed };
  }

  /** Policies whose endpoints may depend on any of the given versions of one pod. */
  private policiesTouching(versions: (Pod | undefined)[]): NetworkPolicy[] {
    const pods = versions.filter((pod): pod is Pod => pod !== undefined);
    return this.cluster.allPolicies().filter((policy) =>
      pods.some(
        (pod) =>
          (pod.metadata.namespace === policy.metadata.namespace &&
            selectorMatches(policy.podSelector, pod.metadata.labels)) ||
          [...policy.ingress, ...policy.egress].some((rule) =>
            rule.peers.some(
              (peer) => !peer.ipBlock && peerMatches(this.cluster, policy.metadata.namespace, peer, { pod }),
            ),
          ) ||
          // Egress named ports resolve on every destination pod, wherever it is.
          policy.egress.some((rule) => rule.ports.some((port) => typeof port.port === 'string')),
      ),
    );
  }

  /** Recomputes one policy; returns whether its PolicyEndpoints changed. */
  private recompute(policy: NetworkPolicy): boolean {
    const endpoints = policyEndpointsFor(this.cluster, policy, this.chunkSize);
    const json = JSON.stringify(endpoints);
    const key = keyOf(policy.metadata);
    if (this.desired.get(key)?.json === json) return false;
    this.desired.set(key, { endpoints, json });
    return true;
  }
}

function usesNamespaceSelector(policy: NetworkPolicy, namespaces: Namespace[]): boolean {
  return [...policy.ingress, ...policy.egress].some((rule) =>
    rule.peers.some(
      (peer) =>
        peer.namespaceSelector !== undefined &&
        namespaces.some((ns) =>
          selectorMatches(
            peer.namespaceSelector ?? { matchLabels: {}, matchExpressions: [] },
            ns.metadata.labels,
          ),
        ),
    ),
  );
}
