import { Interned } from '../kube/interned.ts';
import type { NetworkPolicy, NetworkPolicyPort, NetworkPolicyRule } from '../kube/network-policy.ts';
import type { Pod } from '../kube/pod.ts';
import {
  type EndpointInfo,
  type EndpointPort,
  endpointInfo,
  endpointPorts,
  portKey,
} from '../kube/policy-endpoint.ts';
import type { Service } from '../kube/service.ts';
import type { Ip } from '../net/ip.ts';
import type { Cluster } from '../policy/cluster.ts';
import { type PolicyRule, peerMatches, resolveNamedPort } from '../policy/match.ts';
import { selectorMatches } from '../policy/selector.ts';
import { clusterIpPorts, servicePeerMismatch } from '../policy/service.ts';

/** Ports of an address entry: a list, or every port. */
export type EntryPorts = readonly EndpointPort[] | 'all';

/**
 * What one address of a pod puts into a policy's PolicyEndpoints: whether the policy selects the
 * pod, and the ports that IP gets in the ingress and egress lists. The PolicyEndpoints of a policy are its
 * address-only entries plus the contributions of every pod, so a pod change only needs its own
 * contribution recomputed.
 */
export interface Contribution {
  readonly selected: boolean;
  readonly ingress?: EntryPorts;
  readonly egress?: EntryPorts;
}

/**
 * The ports of each ingress rule as numbers. The destination of ingress is the selected pod, so
 * named ports resolve there: to every number they stand for on any selected pod, as AWS's
 * controller does. `null` for a rule none of whose ports resolve: it can allow nothing.
 */
export function ingressRulePorts(policy: NetworkPolicy, selected: readonly Pod[]): (EntryPorts | null)[] {
  return policy.ingress.map((rule) => {
    if (rule.ports.length === 0) return 'all';
    const ports = dedupePorts(rule.ports.flatMap((port) => resolvePort(port, selected)));
    return ports.length > 0 ? ports : null;
  });
}

/** Whether the policy selects the pod (its IP is listed in podSelectorEndpoints). */
export function isSelected(policy: NetworkPolicy, pod: Pod): boolean {
  return (
    pod.metadata.namespace === policy.metadata.namespace &&
    selectorMatches(policy.podSelector, pod.metadata.labels)
  );
}

/**
 * What the pod's address `ip` (one of its IPs) contributes to `policy`, or undefined when nothing.
 * The addresses of a dual-stack pod differ only where an ipBlock covers one and not the other.
 */
export function contributionOf(
  cluster: Cluster,
  policy: NetworkPolicy,
  pod: Pod,
  ip: Ip,
  ingressPorts: readonly (EntryPorts | null)[],
): Contribution | undefined {
  const endpoint = { pod, ip };
  const namespace = policy.metadata.namespace;
  const matchesSelectorPeer = (rule: NetworkPolicyRule) =>
    rule.peers.some((peer) => !peer.ipBlock && peerMatches(cluster, namespace, peer, endpoint));
  let ingress: EntryPorts | undefined;
  policy.ingress.forEach((rule, i) => {
    const ports = ingressPorts[i];
    if (ports && matchesSelectorPeer(rule)) ingress = unionPorts(ingress, ports);
  });
  let egress: EntryPorts | undefined;
  for (const rule of policy.egress) {
    if (matchesSelectorPeer(rule)) {
      if (rule.ports.length === 0) {
        egress = 'all';
        continue;
      }
      const ports = egressPortsOn(rule, pod);
      if (ports.length > 0) egress = unionPorts(egress, ports);
      continue;
    }
    // Address entries carry numeric ports only; named ports reach the pods they cover by pod IP.
    const named = rule.ports.filter((port) => typeof port.port === 'string');
    const covered =
      rule.peers.length === 0 ||
      rule.peers.some((peer) => peer.ipBlock && peerMatches(cluster, namespace, peer, endpoint));
    if (named.length === 0 || !covered) continue;
    const ports = dedupePorts(named.flatMap((port) => resolvePort(port, [pod])));
    if (ports.length > 0) egress = unionPorts(egress, ports);
  }
  const selected = isSelected(policy, pod);
  if (!selected && ingress === undefined && egress === undefined) return undefined;
  const contribution = { selected, ingress, egress };
  return contributions.of(contributionKey(contribution), () => contribution);
}

/**
 * The ports the policy's egress rules open on the Service's ClusterIPs, as AWS's controller
 * writes them (the egress hook sees the ClusterIP, before kube-proxy translates it): the union
 * over the rules one of whose peers stands for the Service; undefined when none does.
 */
export function serviceContribution(
  cluster: Cluster,
  policy: NetworkPolicy,
  service: Service,
): EntryPorts | undefined {
  let ports: EntryPorts | undefined;
  for (const rule of policy.egress) {
    const admitted = ruleServicePorts(cluster, policy.metadata.namespace, rule, service);
    if (admitted !== null) ports = unionPorts(ports, admitted);
  }
  return ports;
}

/**
 * The ports one egress rule of a policy in `policyNamespace` (a NetworkPolicy's, or a
 * ClusterNetworkPolicy's with no namespace) opens on the Service's ClusterIPs; null when none of
 * its peers stands for the Service, or its ports admit none of the Service's.
 */
export function ruleServicePorts(
  cluster: Cluster,
  policyNamespace: string,
  rule: PolicyRule,
  service: Service,
): EntryPorts | null {
  const stands = rule.peers.some((peer) => !servicePeerMismatch(cluster, policyNamespace, peer, service));
  const admitted = stands ? clusterIpPorts(cluster, service, rule.ports) : null;
  if (admitted === null) return null;
  return admitted === 'all' ? 'all' : dedupePorts(admitted);
}

/**
 * Whether any pod anywhere may contribute to the policy whatever its labels: an egress rule with
 * named ports to addresses (an ipBlock, or no peers) gives those ports to every pod it covers by IP.
 */
export function reachesEveryPod(policy: NetworkPolicy): boolean {
  return policy.egress.some(
    (rule) =>
      rule.ports.some((port) => typeof port.port === 'string') &&
      (rule.peers.length === 0 || rule.peers.some((peer) => peer.ipBlock)),
  );
}

/** Whether only pods of the policy's own namespace may contribute to it (no namespace selectors, see {@link reachesEveryPod}). */
export function ownNamespaceOnly(policy: NetworkPolicy): boolean {
  return (
    !reachesEveryPod(policy) &&
    [...policy.ingress, ...policy.egress].every((rule) => rule.peers.every((peer) => !peer.namespaceSelector))
  );
}

/**
 * The pods that may contribute to the policy (a superset of those that do): those of its own
 * namespace and of the namespaces its rules' namespace selectors pick; every pod when
 * {@link reachesEveryPod}. So building a policy looks at the pods it can concern, not at all.
 */
export function candidatePods(cluster: Cluster, policy: NetworkPolicy): Pod[] {
  if (reachesEveryPod(policy)) return cluster.allPods();
  const selectors = [...policy.ingress, ...policy.egress].flatMap((rule) =>
    rule.peers.flatMap((peer) => (peer.namespaceSelector ? [peer.namespaceSelector] : [])),
  );
  const namespaces = new Set([policy.metadata.namespace]);
  if (selectors.length > 0)
    for (const namespace of cluster.allNamespaces())
      if (selectors.some((selector) => selectorMatches(selector, namespace.metadata.labels)))
        namespaces.add(namespace.metadata.name);
  return [...namespaces].flatMap((namespace) => cluster.podsIn(namespace));
}

/** Whether an egress rule of the policy (of either kind) has a peer that may stand for Services (any selector peer). */
export function hasServicePeers(policy: { readonly egress: readonly PolicyRule[] }): boolean {
  return policy.egress.some((rule) => rule.peers.some((peer) => !peer.ipBlock));
}

/** Contributions repeat across pods and policies: one shared instance each. */
const contributions = new Interned<Contribution>();

/** The entries that do not depend on any pod: ipBlocks, and 0.0.0.0/0 + ::/0 for rules without peers. */
export function addressEntries(policy: NetworkPolicy, ingressPorts: readonly (EntryPorts | null)[]) {
  const entriesOf = (rule: NetworkPolicyRule, ports: EntryPorts | null): EntryDraft[] => {
    if (ports === null) return [];
    if (rule.peers.length === 0)
      return [
        { cidr: '0.0.0.0/0', ports },
        { cidr: '::/0', ports },
      ];
    return rule.peers.flatMap((peer) =>
      peer.ipBlock ? [{ cidr: peer.ipBlock.cidr, except: peer.ipBlock.except, ports }] : [],
    );
  };
  return {
    ingress: policy.ingress.flatMap((rule, i) => entriesOf(rule, ingressPorts[i] ?? null)),
    egress: policy.egress.flatMap((rule) => {
      const numeric = rule.ports.filter((port) => typeof port.port !== 'string').map(toEndpointPort);
      return entriesOf(rule, rule.ports.length === 0 ? 'all' : numeric.length > 0 ? numeric : null);
    }),
  };
}

/** An entry before merging: same shape as EndpointInfo with ports as a list or all. */
export interface EntryDraft {
  readonly cidr: string;
  readonly except?: readonly string[];
  readonly ports: EntryPorts;
}

/** Entries for the same address join their ports (all wins); then written as the API writes them. */
export function mergeEntries(drafts: readonly EntryDraft[]): EndpointInfo[] {
  const byAddress = new Map<string, EntryDraft>();
  for (const draft of drafts) {
    const key = `${draft.cidr}|${(draft.except ?? []).join(',')}`;
    const earlier = byAddress.get(key);
    byAddress.set(key, earlier ? { ...earlier, ports: unionPorts(earlier.ports, draft.ports) } : draft);
  }
  return [...byAddress.values()].map(({ cidr, except, ports }) =>
    endpointInfo(cidr, except, ports === 'all' ? undefined : ports),
  );
}

export function unionPorts(a: EntryPorts | undefined, b: EntryPorts): EntryPorts {
  if (a === undefined) return b;
  if (a === 'all' || b === 'all') return 'all';
  return dedupePorts([...a, ...b]);
}

/** Numeric ports of a rule, the same on every destination: worked out once per rule. */
const numericPorts = new WeakMap<NetworkPolicyRule, readonly EndpointPort[] | null>();

/** An egress rule's ports as numbers on the destination `pod` (its named ports resolved there). */
function egressPortsOn(rule: NetworkPolicyRule, pod: Pod): readonly EndpointPort[] {
  let numeric = numericPorts.get(rule);
  if (numeric === undefined) {
    numeric = rule.ports.every((port) => typeof port.port !== 'string')
      ? dedupePorts(rule.ports.map(toEndpointPort))
      : null;
    numericPorts.set(rule, numeric);
  }
  return numeric ?? dedupePorts(rule.ports.flatMap((port) => resolvePort(port, [pod])));
}

/** A rule port as numbers on `pods`: a named port becomes each number it stands for on them. */
function resolvePort(port: NetworkPolicyPort, pods: readonly Pod[]): EndpointPort[] {
  if (typeof port.port !== 'string') return [toEndpointPort(port)];
  const name = port.port;
  return pods.flatMap((pod) => {
    const number = resolveNamedPort(pod, name, port.protocol);
    return number === undefined ? [] : [{ protocol: port.protocol, port: number }];
  });
}

function toEndpointPort(port: NetworkPolicyPort): EndpointPort {
  const result: { protocol: EndpointPort['protocol']; port?: number; endPort?: number } = {
    protocol: port.protocol,
  };
  if (typeof port.port === 'number') result.port = port.port;
  if (port.endPort !== undefined) result.endPort = port.endPort;
  return result;
}

export function dedupePorts(ports: readonly EndpointPort[]): readonly EndpointPort[] {
  return endpointPorts(
    [...new Map(ports.map((port) => [portKey(port), port])).values()].sort((a, b) =>
      portKey(a).localeCompare(portKey(b)),
    ),
  );
}

/** A short text that is equal for equal contributions. */
export function contributionKey(contribution: Contribution | undefined): string {
  if (!contribution) return '';
  const ports = (ports: EntryPorts | undefined) =>
    ports === undefined ? '-' : ports === 'all' ? '*' : ports.map(portKey).join(' ');
  return `${contribution.selected ? 1 : 0}|${ports(contribution.ingress)}|${ports(contribution.egress)}`;
}
