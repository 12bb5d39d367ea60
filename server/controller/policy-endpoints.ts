import { createHash } from 'node:crypto';
import type { NetworkPolicy, NetworkPolicyPort, NetworkPolicyRule } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import {
  type EndpointInfo,
  type EndpointPort,
  POLICY_ENDPOINT_API_VERSION,
  type PodEndpoint,
  type PolicyEndpoint,
} from '../kube/policy-endpoint.ts';
import { compareAddresses } from '../net/ip.ts';
import type { Cluster } from '../policy/cluster.ts';
import { peerMatches, resolveNamedPort } from '../policy/match.ts';
import { selectorMatches } from '../policy/selector.ts';

/** AWS's controller packs at most this many entries of each list into one PolicyEndpoint. */
export const DEFAULT_CHUNK_SIZE = 1000;

/** The pods a policy's podSelector selects that have an IP (the others cannot be enforced yet). */
export function selectedPods(cluster: Cluster, policy: NetworkPolicy): Pod[] {
  return cluster
    .podsIn(policy.metadata.namespace)
    .filter((pod) => pod.podIP && selectorMatches(policy.podSelector, pod.metadata.labels));
}

/**
 * The PolicyEndpoints the controller writes for `policy`, shaped as AWS's controller shapes them:
 * the selected pods in `podSelectorEndpoints`, and one entry per peer address in `ingress`/`egress`
 * (a pod by its IP, an ipBlock as cidr + except, a rule without peers as 0.0.0.0/0 and ::/0).
 * Named ports become numbers: for ingress resolved on the selected pods, for egress on each
 * destination pod. Lists longer than `chunkSize` spill into further PolicyEndpoints.
 */
export function policyEndpointsFor(
  cluster: Cluster,
  policy: NetworkPolicy,
  chunkSize = DEFAULT_CHUNK_SIZE,
): PolicyEndpoint[] {
  const selected = selectedPods(cluster, policy);
  const podSelectorEndpoints: PodEndpoint[] = selected.map((pod) => ({
    hostIP: pod.hostIP ?? '',
    podIP: pod.podIP ?? '',
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
  }));
  const ingress = merge(policy.ingress.flatMap((rule) => ingressEntries(cluster, policy, rule, selected)));
  const egress = merge(policy.egress.flatMap((rule) => egressEntries(cluster, policy, rule)));
  const chunks = Math.max(
    1,
    ...[ingress, egress, podSelectorEndpoints].map((items) => Math.ceil(items.length / chunkSize)),
  );
  const slice = <T>(items: readonly T[], i: number) => items.slice(i * chunkSize, (i + 1) * chunkSize);
  return Array.from({ length: chunks }, (_, i) => ({
    apiVersion: POLICY_ENDPOINT_API_VERSION,
    kind: 'PolicyEndpoint',
    metadata: {
      name: chunkName(policy, i),
      namespace: policy.metadata.namespace,
      labels: {},
      ownerReferences: [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          name: policy.metadata.name,
          uid: policy.metadata.uid,
        },
      ],
    },
    spec: {
      policyRef: { name: policy.metadata.name, namespace: policy.metadata.namespace },
      podSelector: policy.podSelector,
      podSelectorEndpoints: slice(podSelectorEndpoints, i),
      podIsolation: policy.policyTypes,
      ingress: slice(ingress, i),
      egress: slice(egress, i),
    },
  }));
}

/** `<policy>-<5 hex>`: stable across runs, in the style of AWS's generated names. */
function chunkName(policy: NetworkPolicy, index: number): string {
  const digest = createHash('sha1')
    .update(`${keyOf(policy.metadata)}#${index}`)
    .digest('hex');
  return `${policy.metadata.name}-${digest.slice(0, 5)}`;
}

function ingressEntries(
  cluster: Cluster,
  policy: NetworkPolicy,
  rule: NetworkPolicyRule,
  selected: Pod[],
): EndpointInfo[] {
  // The destination is the selected pod, so named ports resolve there (the union over selected pods).
  const ports = dedupePorts(rule.ports.flatMap((port) => resolvePort(port, selected)));
  if (rule.ports.length > 0 && ports.length === 0) return [];
  if (rule.peers.length === 0) return anywhere(ports);
  return rule.peers.flatMap((peer) => {
    if (peer.ipBlock) return [{ cidr: peer.ipBlock.cidr, except: peer.ipBlock.except, ports }];
    return peerPods(cluster, policy, peer).map((pod) => ({ cidr: pod.podIP ?? '', ports }));
  });
}

function egressEntries(cluster: Cluster, policy: NetworkPolicy, rule: NetworkPolicyRule): EndpointInfo[] {
  const numeric = rule.ports
    .filter((port) => typeof port.port !== 'string')
    .map((port) => toEndpointPort(port));
  const named = rule.ports.filter((port) => typeof port.port === 'string');
  // Ports of an address-based entry: numeric only; a named port means something only on a pod.
  const addressEntries = (cidr: string, except?: readonly string[]): EndpointInfo[] =>
    rule.ports.length > 0 && numeric.length === 0 ? [] : [{ cidr, except, ports: numeric }];
  const podEntries = (pods: Pod[]): EndpointInfo[] =>
    pods.flatMap((pod) => {
      const ports = dedupePorts(rule.ports.flatMap((port) => resolvePort(port, [pod])));
      return rule.ports.length > 0 && ports.length === 0 ? [] : [{ cidr: pod.podIP ?? '', ports }];
    });
  // Pods an address-based peer covers, for the named ports that only they can resolve.
  const namedPortPods = (covers: (pod: Pod) => boolean) =>
    named.length === 0 ? [] : cluster.allPods().filter((pod) => pod.podIP && covers(pod));
  const namedOnly = (pods: Pod[]): EndpointInfo[] =>
    pods.flatMap((pod) => {
      const ports = dedupePorts(named.flatMap((port) => resolvePort(port, [pod])));
      return ports.length > 0 ? [{ cidr: pod.podIP ?? '', ports }] : [];
    });
  if (rule.peers.length === 0) {
    return [
      ...anywhere(numeric.length > 0 || rule.ports.length === 0 ? numeric : null),
      ...namedOnly(namedPortPods(() => true)),
    ];
  }
  return rule.peers.flatMap((peer) => {
    if (peer.ipBlock) {
      return [
        ...addressEntries(peer.ipBlock.cidr, peer.ipBlock.except),
        ...namedOnly(
          namedPortPods((pod) =>
            peerMatches(cluster, policy.metadata.namespace, peer, { pod, ip: cluster.ipOf(pod) }),
          ),
        ),
      ];
    }
    return podEntries(peerPods(cluster, policy, peer));
  });
}

/** 0.0.0.0/0 and ::/0 with `ports`, or nothing when `ports` is null (no port could apply). */
function anywhere(ports: EndpointPort[] | null): EndpointInfo[] {
  if (ports === null) return [];
  return [
    { cidr: '0.0.0.0/0', ports },
    { cidr: '::/0', ports },
  ];
}

function peerPods(cluster: Cluster, policy: NetworkPolicy, peer: NetworkPolicyRule['peers'][number]): Pod[] {
  const candidates = peer.namespaceSelector ? cluster.allPods() : cluster.podsIn(policy.metadata.namespace);
  return candidates.filter(
    (pod) => pod.podIP && peerMatches(cluster, policy.metadata.namespace, peer, { pod }),
  );
}

/** A rule port as numbers on `pods`: a named port becomes each number it stands for on them. */
function resolvePort(port: NetworkPolicyPort, pods: Pod[]): EndpointPort[] {
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

const portKey = (port: EndpointPort) => `${port.protocol}:${port.port ?? ''}:${port.endPort ?? ''}`;

function dedupePorts(ports: EndpointPort[]): EndpointPort[] {
  return [...new Map(ports.map((port) => [portKey(port), port])).values()].sort((a, b) =>
    portKey(a).localeCompare(portKey(b)),
  );
}

/** One entry per address: entries for the same cidr and except join their ports; empty ports means all. */
function merge(entries: EndpointInfo[]): EndpointInfo[] {
  const byAddress = new Map<string, EndpointInfo>();
  for (const entry of entries) {
    const key = `${entry.cidr}|${(entry.except ?? []).join(',')}`;
    const earlier = byAddress.get(key);
    if (!earlier) {
      byAddress.set(key, entry);
    } else {
      const allPorts = (earlier.ports ?? []).length === 0 || (entry.ports ?? []).length === 0;
      byAddress.set(key, {
        ...earlier,
        ports: allPorts ? [] : dedupePorts([...(earlier.ports ?? []), ...(entry.ports ?? [])]),
      });
    }
  }
  // Empty lists are left out, as the API writes them.
  return [...byAddress.values()]
    .map(({ cidr, except = [], ports = [] }) => ({
      cidr,
      ...(except.length > 0 ? { except } : {}),
      ...(ports.length > 0 ? { ports } : {}),
    }))
    .sort((a, b) => compareAddresses(a.cidr, b.cidr));
}
