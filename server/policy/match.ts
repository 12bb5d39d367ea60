import type { ClusterPolicyPort } from '../kube/cluster-network-policy.ts';
import type { NetworkPolicyPeer, NetworkPolicyPort } from '../kube/network-policy.ts';
import { isPolicyPod, type Pod } from '../kube/pod.ts';
import { cidrContains } from '../net/ip.ts';
import type { Cluster } from './cluster.ts';
import type { Endpoint, PortProtocol } from './endpoint.ts';
import { selectorMatches } from './selector.ts';

/** Why a peer did not match an endpoint. */
export type PeerMismatch =
  | 'no-address'
  | 'outside-cidr'
  | 'in-except'
  | 'not-a-pod'
  | 'other-namespace'
  | 'namespace-labels'
  | 'pod-labels';

/**
 * Checks `peer` of a policy in `policyNamespace` against `endpoint`: undefined when it matches,
 * otherwise the reason. Selectors match pods only; an ipBlock matches any address in `cidr`
 * outside every `except`, pod IPs included.
 */
export function peerMismatch(
  cluster: Cluster,
  policyNamespace: string,
  peer: NetworkPolicyPeer,
  endpoint: Endpoint,
): PeerMismatch | undefined {
  if (peer.ipBlock) {
    const ip = endpoint.ip;
    if (!ip) return 'no-address';
    if (!cidrContains(peer.ipBlock.block, ip)) return 'outside-cidr';
    return peer.ipBlock.exceptBlocks.some((block) => cidrContains(block, ip)) ? 'in-except' : undefined;
  }
  const pod = endpoint.pod;
  // Selectors match the pods NetworkPolicy applies to: not one on its node's network, nor a finished one.
  if (!pod || !isPolicyPod(pod)) return 'not-a-pod';
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, cluster.namespaceLabels(pod.metadata.namespace))) {
      return 'namespace-labels';
    }
  } else if (pod.metadata.namespace !== policyNamespace) {
    return 'other-namespace';
  }
  return !peer.podSelector || selectorMatches(peer.podSelector, pod.metadata.labels)
    ? undefined
    : 'pod-labels';
}

export function peerMatches(
  cluster: Cluster,
  policyNamespace: string,
  peer: NetworkPolicyPeer,
  endpoint: Endpoint,
): boolean {
  return peerMismatch(cluster, policyNamespace, peer, endpoint) === undefined;
}

/**
 * The port number a named port stands for on `pod` (the destination), or undefined when the
 * pod declares no container port of that name and protocol.
 */
export function resolveNamedPort(pod: Pod | undefined, name: string, protocol: string): number | undefined {
  return pod?.ports.find((port) => port.name === name && port.protocol === protocol)?.containerPort;
}

/** Whether a rule's port admits `target` on `destination` (named ports resolve there). */
export function portMatches(
  rulePort: NetworkPolicyPort,
  target: PortProtocol,
  destination: Pod | undefined,
): boolean {
  if (rulePort.protocol !== target.protocol) return false;
  if (rulePort.port === undefined) return true;
  if (typeof rulePort.port === 'string') {
    return resolveNamedPort(destination, rulePort.port, rulePort.protocol) === target.port;
  }
  const last = rulePort.endPort ?? rulePort.port;
  return target.port >= rulePort.port && target.port <= last;
}

/** A port of either kind of rule: a NetworkPolicy's, or a ClusterNetworkPolicy's (whose named port has no protocol). */
export type RulePort = NetworkPolicyPort | ClusterPolicyPort;

/** A rule of either kind, for what both kinds mean alike: its peers (a ClusterNetworkPolicy's networks as ipBlocks) and ports. */
export interface PolicyRule {
  readonly peers: readonly NetworkPolicyPeer[];
  readonly ports: readonly RulePort[];
}

/**
 * Whether a rule's port of either kind admits `target` on `destination`; a ClusterNetworkPolicy's
 * named port matches its container port's number and protocol there.
 */
export function rulePortMatches(
  rulePort: RulePort,
  target: PortProtocol,
  destination: Pod | undefined,
): boolean {
  if (!('namedPort' in rulePort)) return portMatches(rulePort, target, destination);
  return resolveNamedPort(destination, rulePort.namedPort, target.protocol) === target.port;
}
