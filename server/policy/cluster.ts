import type { ClusterNetworkPolicy, ClusterTier } from '../kube/cluster-network-policy.ts';
import type { ClusterPolicyEndpoint } from '../kube/cluster-policy-endpoint.ts';
import type { Labels } from '../kube/label-selector.ts';
import { implicitNamespace, type Namespace } from '../kube/namespace.ts';
import type { NetworkPolicy, PolicyType } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import { hostIPsOf, isPolicyPod, type Pod, podIPsOf } from '../kube/pod.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';
import type { Service } from '../kube/service.ts';
import { formatIp, type Ip, parseIp } from '../net/ip.ts';
import { selectorMatches } from './selector.ts';

/** Anything a cluster holds. */
export type ClusterObject =
  | Namespace
  | Pod
  | NetworkPolicy
  | PolicyEndpoint
  | Service
  | ClusterNetworkPolicy
  | ClusterPolicyEndpoint;

/** A pod's cluster policies of one tier and direction, in evaluation order. */
type TierSelection = Record<ClusterTier, Record<PolicyType, ClusterNetworkPolicy[]>>;

/**
 * The objects policy depends on, indexed for the questions the model asks: which pods a
 * namespace holds, which policies select a pod, which pod owns an IP, which Service a ClusterIP
 * stands for. Every consumer (controller, graph, explainer, CLI) reads the cluster through this class.
 */
export class Cluster {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly pods = new Map<string, Pod>();
  private readonly podsByNamespace = new Map<string, Map<string, Pod>>();
  private readonly podsByIp = new Map<string, Pod>();
  private readonly policies = new Map<string, NetworkPolicy>();
  private readonly policiesByNamespace = new Map<string, Map<string, NetworkPolicy>>();
  private readonly endpoints = new Map<string, PolicyEndpoint>();
  private readonly services = new Map<string, Service>();
  private readonly servicesByNamespace = new Map<string, Map<string, Service>>();
  private readonly servicesByIp = new Map<string, Service>();
  private readonly podIps = new WeakMap<Pod, readonly Ip[]>();
  private readonly nodeIps = new WeakMap<Pod, readonly Ip[]>();
  private selectingCache = new WeakMap<Pod, Record<PolicyType, NetworkPolicy[]>>();
  private readonly clusterPolicies = new Map<string, ClusterNetworkPolicy>();
  private readonly clusterEndpoints = new Map<string, ClusterPolicyEndpoint>();
  /** Depends on namespace labels too: cleared when a namespace or a cluster policy changes. */
  private tierCache = new WeakMap<Pod, TierSelection>();
  /** Grows with every change, so that what is computed from the cluster can be cached. */
  version = 0;

  static of(objects: Iterable<ClusterObject>): Cluster {
    const cluster = new Cluster();
    for (const object of objects) cluster.set(object);
    return cluster;
  }

  /** Adds or replaces an object; returns the version it replaced. */
  set<T extends ClusterObject>(object: T): T | undefined {
    this.version++;
    switch (object.kind) {
      case 'Namespace':
        this.tierCache = new WeakMap();
        return this.setNamespace(object) as T | undefined;
      case 'Pod':
        return this.setPod(object) as T | undefined;
      case 'NetworkPolicy':
        return this.setPolicy(object) as T | undefined;
      case 'PolicyEndpoint':
        return this.replace(this.endpoints, object) as T | undefined;
      case 'Service':
        return this.setService(object) as T | undefined;
      case 'ClusterNetworkPolicy':
        this.tierCache = new WeakMap();
        return this.replace(this.clusterPolicies, object) as T | undefined;
      case 'ClusterPolicyEndpoint':
        return this.replace(this.clusterEndpoints, object) as T | undefined;
    }
  }

  /** Removes an object by kind and key (`ns/name`, or the name for namespaces); returns it. */
  delete(kind: ClusterObject['kind'], key: string): ClusterObject | undefined {
    this.version++;
    switch (kind) {
      case 'Namespace': {
        const old = this.namespaces.get(key);
        this.namespaces.delete(key);
        this.tierCache = new WeakMap();
        return old;
      }
      case 'Pod': {
        const old = this.pods.get(key);
        if (old) this.unindexPod(old);
        return old;
      }
      case 'NetworkPolicy': {
        const old = this.policies.get(key);
        if (old) {
          this.policies.delete(key);
          unfileByNamespace(this.policiesByNamespace, old);
          this.selectingCache = new WeakMap();
        }
        return old;
      }
      case 'PolicyEndpoint': {
        const old = this.endpoints.get(key);
        this.endpoints.delete(key);
        return old;
      }
      case 'Service': {
        const old = this.services.get(key);
        if (old) this.unindexService(old);
        return old;
      }
      case 'ClusterNetworkPolicy': {
        const old = this.clusterPolicies.get(key);
        this.clusterPolicies.delete(key);
        this.tierCache = new WeakMap();
        return old;
      }
      case 'ClusterPolicyEndpoint': {
        const old = this.clusterEndpoints.get(key);
        this.clusterEndpoints.delete(key);
        return old;
      }
    }
  }

  /** A namespace by name; one that only pods or policies mention exists implicitly. */
  namespace(name: string): Namespace {
    return this.namespaces.get(name) ?? implicitNamespace(name);
  }

  namespaceLabels(name: string): Labels {
    return this.namespace(name).metadata.labels;
  }

  /** Every namespace declared or mentioned by a pod or policy, sorted by name. */
  allNamespaces(): Namespace[] {
    const names = new Set([
      ...this.namespaces.keys(),
      ...this.podsByNamespace.keys(),
      ...this.policiesByNamespace.keys(),
      ...this.servicesByNamespace.keys(),
    ]);
    return [...names].sort().map((name) => this.namespace(name));
  }

  pod(key: string): Pod | undefined {
    return this.pods.get(key);
  }

  /** The pod that has `ip` among its IPs (of either family), however the address is written. */
  podByIp(ip: string): Pod | undefined {
    return this.podsByIp.get(ip) ?? this.podsByIp.get(canonicalIp(ip));
  }

  /** Pods that take part in policy, in insertion order. */
  allPods(): Pod[] {
    return [...this.pods.values()].filter(isPolicyPod);
  }

  podsIn(namespace: string): Pod[] {
    return [...(this.podsByNamespace.get(namespace)?.values() ?? [])].filter(isPolicyPod);
  }

  policy(key: string): NetworkPolicy | undefined {
    return this.policies.get(key);
  }

  allPolicies(): NetworkPolicy[] {
    return [...this.policies.values()];
  }

  /** The namespace's policies, by name, so that every answer lists them in the same order. */
  policiesIn(namespace: string): NetworkPolicy[] {
    return [...(this.policiesByNamespace.get(namespace)?.values() ?? [])].sort((a, b) =>
      a.metadata.name < b.metadata.name ? -1 : 1,
    );
  }

  clusterPolicy(name: string): ClusterNetworkPolicy | undefined {
    return this.clusterPolicies.get(name);
  }

  /** Every ClusterNetworkPolicy, Admin before Baseline, each tier in evaluation order (priority, then name). */
  allClusterPolicies(): ClusterNetworkPolicy[] {
    return [...this.clusterPolicies.values()].sort(
      (a, b) =>
        (a.tier === b.tier ? 0 : a.tier === 'Admin' ? -1 : 1) ||
        a.priority - b.priority ||
        (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
    );
  }

  /**
   * The cluster policies of `tier` whose subject selects `pod` and that have rules for `direction`,
   * in evaluation order: by priority (lower first), then by name.
   */
  clusterPoliciesSelecting(pod: Pod, direction: PolicyType, tier: ClusterTier): ClusterNetworkPolicy[] {
    let cached = this.tierCache.get(pod);
    if (!cached) {
      cached = { Admin: { Ingress: [], Egress: [] }, Baseline: { Ingress: [], Egress: [] } };
      const namespaceLabels = this.namespaceLabels(pod.metadata.namespace);
      for (const policy of this.allClusterPolicies()) {
        const { namespaceSelector, podSelector } = policy.subject;
        if (!selectorMatches(namespaceSelector, namespaceLabels)) continue;
        if (podSelector && !selectorMatches(podSelector, pod.metadata.labels)) continue;
        if (policy.ingress.length > 0) cached[policy.tier].Ingress.push(policy);
        if (policy.egress.length > 0) cached[policy.tier].Egress.push(policy);
      }
      this.tierCache.set(pod, cached);
    }
    return cached[tier][direction];
  }

  /** ClusterPolicyEndpoints the input carried. */
  allClusterPolicyEndpoints(): ClusterPolicyEndpoint[] {
    return [...this.clusterEndpoints.values()];
  }

  /** PolicyEndpoints the input carried (written by a controller, ours or AWS's). */
  allPolicyEndpoints(): PolicyEndpoint[] {
    return [...this.endpoints.values()];
  }

  service(key: string): Service | undefined {
    return this.services.get(key);
  }

  /** Services in insertion order. */
  allServices(): Service[] {
    return [...this.services.values()];
  }

  servicesIn(namespace: string): Service[] {
    return [...(this.servicesByNamespace.get(namespace)?.values() ?? [])];
  }

  /** The Service whose ClusterIP (of either family) is `ip`, written as {@link formatIp} writes it. */
  serviceByIp(ip: string): Service | undefined {
    return this.servicesByIp.get(ip);
  }

  /** The pod's primary IP (`status.podIP`), parsed once. */
  ipOf(pod: Pod): Ip | undefined {
    return this.ipsOf(pod)[0];
  }

  /** Every IP of the pod (`status.podIPs`: one per family on a dual-stack cluster), the primary first, parsed once. */
  ipsOf(pod: Pod): readonly Ip[] {
    return parsedOnce(this.podIps, pod, podIPsOf);
  }

  /** Every address of the pod's node (`status.hostIPs`), parsed once. */
  nodeIpsOf(pod: Pod): readonly Ip[] {
    return parsedOnce(this.nodeIps, pod, hostIPsOf);
  }

  /**
   * Whether `ip` is an address of the pod's own node: traffic between a pod and its node (kubelet's
   * probes, a host-network pod there) always passes, whatever the policies say.
   */
  isNodeOf(pod: Pod, ip: Ip | undefined): boolean {
    return (
      ip !== undefined &&
      this.nodeIpsOf(pod).some((node) => node.family === ip.family && node.value === ip.value)
    );
  }

  /** The policies whose podSelector selects `pod` and that isolate it in `direction`. */
  policiesSelecting(pod: Pod, direction: PolicyType): NetworkPolicy[] {
    let cached = this.selectingCache.get(pod);
    if (!cached) {
      cached = { Ingress: [], Egress: [] };
      for (const policy of this.policiesIn(pod.metadata.namespace)) {
        if (!selectorMatches(policy.podSelector, pod.metadata.labels)) continue;
        for (const type of policy.policyTypes) cached[type].push(policy);
      }
      this.selectingCache.set(pod, cached);
    }
    return cached[direction];
  }

  private setNamespace(namespace: Namespace): Namespace | undefined {
    return this.replace(this.namespaces, namespace);
  }

  private setPod(pod: Pod): Pod | undefined {
    const old = this.pods.get(keyOf(pod.metadata));
    if (old) this.unindexPod(old);
    this.pods.set(keyOf(pod.metadata), pod);
    fileByNamespace(this.podsByNamespace, pod);
    // Every IP of a dual-stack pod leads to it (flows of either family are named by it).
    if (isPolicyPod(pod)) for (const ip of podIPsOf(pod)) this.podsByIp.set(canonicalIp(ip), pod);
    return old;
  }

  private unindexPod(pod: Pod): void {
    this.pods.delete(keyOf(pod.metadata));
    unfileByNamespace(this.podsByNamespace, pod);
    for (const ip of podIPsOf(pod).map(canonicalIp))
      if (this.podsByIp.get(ip) === pod) this.podsByIp.delete(ip);
  }

  private setService(service: Service): Service | undefined {
    const key = keyOf(service.metadata);
    const old = this.services.get(key);
    if (old) this.unindexService(old);
    this.services.set(key, service);
    fileByNamespace(this.servicesByNamespace, service);
    for (const ip of service.clusterIPs) this.servicesByIp.set(ip, service);
    return old;
  }

  private unindexService(service: Service): void {
    this.services.delete(keyOf(service.metadata));
    unfileByNamespace(this.servicesByNamespace, service);
    for (const ip of service.clusterIPs)
      if (this.servicesByIp.get(ip) === service) this.servicesByIp.delete(ip);
  }

  private setPolicy(policy: NetworkPolicy): NetworkPolicy | undefined {
    const old = this.replace(this.policies, policy);
    fileByNamespace(this.policiesByNamespace, policy);
    this.selectingCache = new WeakMap();
    return old;
  }

  private replace<T extends ClusterObject>(map: Map<string, T>, object: T): T | undefined {
    const key = keyOf(object.metadata);
    const old = map.get(key);
    map.set(key, object);
    return old;
  }
}

/** An address as {@link formatIp} writes it (`fd00:77:0::1` and `fd00:77::1` are one address); other text as it is. */
function canonicalIp(text: string): string {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : text;
}

type ByNamespace<T> = Map<string, Map<string, T>>;

/** Files an object under its namespace and name. */
function fileByNamespace<T extends ClusterObject>(index: ByNamespace<T>, object: T): void {
  let inNamespace = index.get(object.metadata.namespace);
  if (!inNamespace) {
    inNamespace = new Map();
    index.set(object.metadata.namespace, inNamespace);
  }
  inNamespace.set(object.metadata.name, object);
}

/** Takes an object out of its namespace's file, and the namespace's file out when it empties. */
function unfileByNamespace<T extends ClusterObject>(index: ByNamespace<T>, object: T): void {
  const inNamespace = index.get(object.metadata.namespace);
  inNamespace?.delete(object.metadata.name);
  if (inNamespace?.size === 0) index.delete(object.metadata.namespace);
}

/** The addresses `texts` gives of a pod, parsed the first time and kept in `cache`. */
function parsedOnce(cache: WeakMap<Pod, readonly Ip[]>, pod: Pod, texts: (pod: Pod) => readonly string[]) {
  let ips = cache.get(pod);
  if (ips === undefined) {
    ips = texts(pod).flatMap((text) => parseIp(text) ?? []);
    cache.set(pod, ips);
  }
  return ips;
}
