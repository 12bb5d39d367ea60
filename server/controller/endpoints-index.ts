import type { ClusterNetworkPolicy } from '../kube/cluster-network-policy.ts';
import type { ClusterPolicyEndpoint } from '../kube/cluster-policy-endpoint.ts';
import type { Namespace } from '../kube/namespace.ts';
import type { NetworkPolicy } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';
import type { Service } from '../kube/service.ts';
import type { Cluster, ClusterObject } from '../policy/cluster.ts';
import { selectorMatches } from '../policy/selector.ts';
import { isBackendOf } from '../policy/service.ts';
import { clusterPolicyEndpointsFor, podConcerns } from './cluster-policy-endpoints.ts';
import { hasServicePeers, ownNamespaceOnly } from './contribution.ts';
import { DEFAULT_CHUNK_SIZE, PolicyState } from './policy-endpoints.ts';

/**
 * What one change did to the desired PolicyEndpoints, by policy key (`ns/name`), and to the
 * desired ClusterPolicyEndpoints, by ClusterNetworkPolicy name (a name has no `/`: see {@link isClusterPolicyKey}).
 */
export interface EndpointsChange {
  /** Policies whose endpoints are new or differ; read them with {@link EndpointsIndex.of} or {@link EndpointsIndex.clusterOf}. */
  readonly updated: ReadonlySet<string>;
  /** Policies that are gone, and their PolicyEndpoints with them. */
  readonly removed: readonly string[];
  /** Policies that had to be built anew (new or changed policies, changed named-port meaning). */
  readonly rebuilt: number;
}

/**
 * The controller's desired state: the PolicyEndpoints of every NetworkPolicy in a cluster, kept
 * up to date incrementally. A pod change replaces that pod's contribution to each policy (and
 * the ClusterIP entries of the Services it backs, whose ports may resolve on it); a namespace
 * change those of the namespace's pods and Services, for policies with namespace selectors; a
 * Service change its ClusterIP entries in the policies whose egress peers may stand for it. Only
 * a policy change, or a change of what a named ingress port stands for, builds a policy anew.
 * ClusterNetworkPolicies are computed whole again on the changes that may touch them: a pod's,
 * only for the cluster policies the pod concerns (before or after) as a subject, a peer, an
 * address in their networks, or a backend of a Service.
 */
export class EndpointsIndex {
  private readonly cluster: Cluster;
  private readonly chunkSize: number;
  private readonly states = new Map<string, PolicyState>();
  /** Keys of the policies only pods of their own namespace may contribute to, by namespace. */
  private readonly ownNamespace = new Map<string, Set<string>>();
  /** Keys of the policies pods of other namespaces may contribute to. */
  private readonly wide = new Set<string>();
  /** Each ClusterNetworkPolicy's ClusterPolicyEndpoints, by name, with their JSON to tell a change. */
  private readonly clusterStates = new Map<
    string,
    { readonly policy: ClusterNetworkPolicy; endpoints: ClusterPolicyEndpoint[]; text: string }
  >();

  constructor(cluster: Cluster, chunkSize = DEFAULT_CHUNK_SIZE) {
    this.cluster = cluster;
    this.chunkSize = chunkSize;
    for (const policy of cluster.allPolicies()) this.build(policy);
    for (const policy of cluster.allClusterPolicies()) this.buildCluster(policy);
  }

  /** The desired ClusterPolicyEndpoints of every ClusterNetworkPolicy, sorted by policy name. */
  allCluster(): ClusterPolicyEndpoint[] {
    return [...this.clusterStates.keys()].sort().flatMap((name) => this.clusterOf(name));
  }

  clusterOf(name: string): readonly ClusterPolicyEndpoint[] {
    return this.clusterStates.get(name)?.endpoints ?? [];
  }

  /** The desired PolicyEndpoints of every policy, sorted by policy key. */
  all(): PolicyEndpoint[] {
    return [...this.states.keys()].sort().flatMap((key) => this.of(key));
  }

  of(policyKey: string): readonly PolicyEndpoint[] {
    return this.states.get(policyKey)?.policyEndpoints(this.chunkSize) ?? [];
  }

  /** Adds or replaces an object in the cluster and updates what it touches. */
  set(object: ClusterObject): EndpointsChange {
    const before = object.kind === 'Namespace' ? this.cluster.namespace(object.metadata.name) : undefined;
    const old = this.cluster.set(object);
    return this.afterChange(object, before ?? old, object);
  }

  /** Removes an object from the cluster and updates what it touched. */
  delete(kind: ClusterObject['kind'], key: string): EndpointsChange {
    const old = this.cluster.delete(kind, key);
    if (!old) return { updated: new Set(), removed: [], rebuilt: 0 };
    // A deleted namespace that pods still use lives on implicitly, with only its name label.
    const after = old.kind === 'Namespace' ? this.cluster.namespace(key) : undefined;
    return this.afterChange(old, old, after);
  }

  private afterChange(object: ClusterObject, old?: ClusterObject, current?: ClusterObject): EndpointsChange {
    const updated = new Set<string>();
    const removed: string[] = [];
    let rebuilt = 0;
    if (object.kind === 'ClusterNetworkPolicy') {
      if (current) {
        this.buildCluster(current as ClusterNetworkPolicy);
        updated.add(object.metadata.name);
      } else if (this.clusterStates.delete(object.metadata.name)) removed.push(object.metadata.name);
      return { updated, removed, rebuilt: 1 };
    }
    // A pod's versions, and the Services that pick either as a backend (their ClusterIP ports may
    // resolve on it), for the cluster policies and the NetworkPolicies alike.
    const pods = object.kind === 'Pod' ? [old, current].filter((pod): pod is Pod => pod?.kind === 'Pod') : [];
    const backed = this.servicesBackedBy(pods);
    // Subjects and peers of cluster policies select pods by namespace and pod labels, and egress
    // selector peers stand for Services: such a change computes each cluster policy it may touch
    // again, and counts where the result differs.
    if (object.kind === 'Pod' || object.kind === 'Namespace' || object.kind === 'Service') {
      const backs = backed.length > 0;
      for (const [name, state] of this.clusterStates) {
        if (object.kind === 'Service' && !hasServicePeers(state.policy)) continue;
        if (object.kind === 'Pod' && !pods.some((pod) => podConcerns(this.cluster, state.policy, pod, backs)))
          continue;
        rebuilt++;
        if (this.buildCluster(state.policy)) updated.add(name);
      }
    }
    switch (object.kind) {
      case 'NetworkPolicy':
        if (current) {
          this.build(current as NetworkPolicy);
          rebuilt++;
          updated.add(keyOf(object.metadata));
        } else if (this.states.delete(keyOf(object.metadata))) {
          this.unfile(keyOf(object.metadata));
          removed.push(keyOf(object.metadata));
        }
        break;
      case 'Pod': {
        const [before, after] = [old as Pod | undefined, current as Pod | undefined];
        // Only the policies the pod may contribute to: those of its namespace, and the wide ones.
        const podNamespace = (before ?? after)?.metadata.namespace ?? '';
        for (const key of [...(this.ownNamespace.get(podNamespace) ?? []), ...this.wide]) {
          const state = this.states.get(key);
          if (!state) continue;
          const namespace = state.policy.metadata.namespace;
          const mayChangeNamedPorts =
            state.namedIngressPorts && [before, after].some((pod) => pod?.metadata.namespace === namespace);
          if (mayChangeNamedPorts && state.ingressPortsChanged(this.cluster)) {
            this.build(state.policy);
            rebuilt++;
            updated.add(key);
          } else if (state.replace(this.cluster, before, after)) {
            updated.add(key);
          }
        }
        // Ports of ClusterIP entries may be resolved on the backends: those of the pod's Services.
        for (const [key, state] of this.states) {
          if (!state.servicePeers) continue;
          for (const service of backed) if (state.syncService(this.cluster, service)) updated.add(key);
        }
        break;
      }
      case 'Service':
        for (const [key, state] of this.states) {
          if (state.servicePeers && state.syncService(this.cluster, keyOf(object.metadata))) updated.add(key);
        }
        break;
      case 'Namespace': {
        const versions = [old, current].filter((ns): ns is Namespace => ns?.kind === 'Namespace');
        const pods = this.cluster.podsIn(object.metadata.name);
        const services = this.cluster
          .servicesIn(object.metadata.name)
          .map((service) => keyOf(service.metadata));
        for (const [key, state] of this.states) {
          if (!selectsAnyNamespace(state.policy, versions)) continue;
          let changed = false;
          for (const pod of pods) changed = state.replace(this.cluster, pod, pod) || changed;
          for (const service of services) changed = state.syncService(this.cluster, service) || changed;
          if (changed) updated.add(key);
        }
        break;
      }
      case 'PolicyEndpoint':
        break;
    }
    return { updated, removed, rebuilt };
  }

  /** Keys of the Services that pick any of the given versions of a pod as a backend. */
  private servicesBackedBy(pods: readonly Pod[]): string[] {
    const namespaces = new Set(pods.map((pod) => pod.metadata.namespace));
    return [...namespaces]
      .flatMap((namespace) => this.cluster.servicesIn(namespace))
      .filter((service: Service) => pods.some((pod) => isBackendOf(service, pod)))
      .map((service) => keyOf(service.metadata));
  }

  /** Computes a ClusterNetworkPolicy's ClusterPolicyEndpoints; returns whether they changed. */
  private buildCluster(policy: ClusterNetworkPolicy): boolean {
    const endpoints = clusterPolicyEndpointsFor(this.cluster, policy, this.chunkSize);
    const text = JSON.stringify(endpoints);
    const before = this.clusterStates.get(policy.metadata.name);
    if (before?.text === text && before.policy === policy) return false;
    this.clusterStates.set(policy.metadata.name, { policy, endpoints, text });
    return before?.text !== text;
  }

  private build(policy: NetworkPolicy): void {
    const key = keyOf(policy.metadata);
    this.states.set(key, new PolicyState(this.cluster, policy));
    this.unfile(key);
    if (ownNamespaceOnly(policy)) {
      const namespace = policy.metadata.namespace;
      this.ownNamespace.set(namespace, (this.ownNamespace.get(namespace) ?? new Set()).add(key));
    } else {
      this.wide.add(key);
    }
  }

  private unfile(key: string): void {
    this.wide.delete(key);
    const namespace = key.slice(0, key.indexOf('/'));
    const keys = this.ownNamespace.get(namespace);
    keys?.delete(key);
    if (keys?.size === 0) this.ownNamespace.delete(namespace);
  }
}

/** Whether a namespace selector of the policy selects any of the given versions of a namespace. */
function selectsAnyNamespace(policy: NetworkPolicy, namespaces: Namespace[]): boolean {
  return [...policy.ingress, ...policy.egress].some((rule) =>
    rule.peers.some(({ namespaceSelector }) => {
      if (!namespaceSelector) return false;
      return namespaces.some((ns) => selectorMatches(namespaceSelector, ns.metadata.labels));
    }),
  );
}

/** Whether a key of an {@link EndpointsChange} names a ClusterNetworkPolicy (no namespace) rather than a NetworkPolicy (`ns/name`). */
export function isClusterPolicyKey(key: string): boolean {
  return !key.includes('/');
}
