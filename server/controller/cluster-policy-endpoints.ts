import type {
  ClusterAction,
  ClusterNetworkPolicy,
  ClusterPolicyRule,
} from '../kube/cluster-network-policy.ts';
import { CLUSTER_POLICY_API_VERSION } from '../kube/cluster-network-policy.ts';
import {
  type ClusterEndpointInfo,
  type ClusterPolicyEndpoint,
  clusterEndpointInfo,
} from '../kube/cluster-policy-endpoint.ts';
import { type Pod, podIPsOf } from '../kube/pod.ts';
import { type EndpointPort, type PodEndpoint, podEndpoint } from '../kube/policy-endpoint.ts';
import type { Service } from '../kube/service.ts';
import { addressOrder, parseIp, sortByAddress } from '../net/ip.ts';
import type { Cluster } from '../policy/cluster.ts';
import { peerMatches } from '../policy/match.ts';
import { pieces } from './chunks.ts';
import {
  dedupePorts,
  type EntryPorts,
  hasServicePeers,
  ruleServicePorts,
  unionPorts,
} from './contribution.ts';
import { chunkName, DEFAULT_CHUNK_SIZE, placesOf } from './policy-endpoints.ts';

/**
 * Whether a pod (as it is, or as it was) can count in a ClusterNetworkPolicy's endpoints: as a
 * subject, as a pod a rule's selector peer picks, as an address inside a rule's networks (named
 * ports resolve on it), or, when it backs a Service (`backs`), through the Service a selector peer
 * stands for (its ClusterIP ports may resolve on the backends). A change of a pod that concerns a
 * policy in neither version leaves the policy's endpoints as they were.
 */
export function podConcerns(
  cluster: Cluster,
  policy: ClusterNetworkPolicy,
  pod: Pod,
  backs: boolean,
): boolean {
  if (peerMatches(cluster, '', policy.subject, { pod })) return true;
  if (backs && hasServicePeers(policy)) return true;
  const ips = podIPsOf(pod).flatMap((text) => parseIp(text) ?? []);
  return [...policy.ingress, ...policy.egress].some((rule) =>
    rule.peers.some((peer) =>
      peer.ipBlock
        ? ips.some((ip) => peerMatches(cluster, '', peer, { pod, ip }))
        : peerMatches(cluster, '', peer, { pod }),
    ),
  );
}

/**
 * The ClusterPolicyEndpoints of a ClusterNetworkPolicy, in the shape of AWS's controller: the
 * subject's pods in `podSelectorEndpoints`, and per direction one entry per address and action
 * (a pod by each of its IPs, each CIDR of `networks` as written) with the ports the rules of that action
 * give it. Named ports become numbers: for ingress on the subject's pods, for egress on each
 * destination pod (pods inside a `networks` CIDR included). Egress also lists the ClusterIPs of the
 * Services a rule's selector peers stand for, with the service ports its ports admit (see
 * {@link ruleServicePorts}). Lists longer than `chunkSize` entries (or than its bytes, see
 * chunks.ts) spill into further ClusterPolicyEndpoints. Entries keep no rule order: within the policy, the agent
 * applies Deny before Pass before Accept, as the model does.
 */
export function clusterPolicyEndpointsFor(
  cluster: Cluster,
  policy: ClusterNetworkPolicy,
  chunkSize = DEFAULT_CHUNK_SIZE,
): ClusterPolicyEndpoint[] {
  const pods = cluster.allPods().filter((pod) => pod.podIP);
  const subjects = pods.filter((pod) => peerMatches(cluster, '', policy.subject, { pod }));
  // Every address of a dual-stack pod, each with its node's address of the same family.
  const podSelectorEndpoints = sortByAddress(
    subjects.flatMap((pod) =>
      placesOf(pod).map((place) =>
        podEndpoint(place.hostIP, place.cidr, pod.metadata.name, pod.metadata.namespace),
      ),
    ),
    (endpoint: PodEndpoint) => addressOrder(endpoint.podIP),
  );
  const ingress = entriesOf(cluster, pods, policy.ingress, (rule) => rulePorts(rule, subjects));
  const egress = entriesOf(
    cluster,
    pods,
    policy.egress,
    (rule, destination) => rulePorts(rule, destination ? [destination] : []),
    cluster.allServices(),
  );
  const cut = { ingress: pieces(ingress, chunkSize), egress: pieces(egress, chunkSize) };
  const subjectPieces = pieces(podSelectorEndpoints, chunkSize);
  const chunks = Math.max(cut.ingress.length, cut.egress.length, subjectPieces.length);
  return Array.from({ length: chunks }, (_, i) => ({
    apiVersion: CLUSTER_POLICY_API_VERSION,
    kind: 'ClusterPolicyEndpoint',
    metadata: {
      name: chunkName({ namespace: '', name: policy.metadata.name }, i),
      namespace: '',
      labels: {},
      ownerReferences: [
        {
          apiVersion: CLUSTER_POLICY_API_VERSION,
          kind: 'ClusterNetworkPolicy',
          name: policy.metadata.name,
          uid: policy.metadata.uid,
        },
      ],
    },
    spec: {
      policyRef: { name: policy.metadata.name },
      tier: policy.tier,
      priority: policy.priority,
      podSelectorEndpoints: subjectPieces[i] ?? [],
      ingress: cut.ingress[i] ?? [],
      egress: cut.egress[i] ?? [],
    },
  }));
}

/**
 * A rule's ports as numbers, with named ports resolved on `pods`; 'all' when the rule lists none,
 * null when none of its ports stands for a number there (it matches nothing).
 */
function rulePorts(rule: ClusterPolicyRule, pods: readonly Pod[]): EntryPorts | null {
  if (rule.ports.length === 0) return 'all';
  const ports = rule.ports.flatMap((port): EndpointPort[] => {
    if (!('namedPort' in port))
      return [
        { protocol: port.protocol, port: port.port, ...(port.endPort ? { endPort: port.endPort } : {}) },
      ];
    return pods.flatMap((pod) =>
      pod.ports
        .filter((declared) => declared.name === port.namedPort)
        .map((declared) => ({ protocol: declared.protocol, port: declared.containerPort })),
    );
  });
  return ports.length > 0 ? dedupePorts(ports) : null;
}

/**
 * Every address entry of one direction's rules, merged per address and action, sorted by address.
 * For egress, `services` are the Services whose ClusterIPs selector peers may stand for.
 */
function entriesOf(
  cluster: Cluster,
  pods: readonly Pod[],
  rules: readonly ClusterPolicyRule[],
  portsFor: (rule: ClusterPolicyRule, destination?: Pod) => EntryPorts | null,
  services: readonly Service[] = [],
): ClusterEndpointInfo[] {
  const merged = new Map<string, { cidr: string; action: ClusterAction; ports: EntryPorts }>();
  const add = (cidr: string, action: ClusterAction, ports: EntryPorts | null) => {
    if (ports === null) return;
    const key = `${cidr} ${action}`;
    const earlier = merged.get(key);
    merged.set(key, { cidr, action, ports: unionPorts(earlier?.ports, ports) });
  };
  const named = (rule: ClusterPolicyRule) => rule.ports.some((port) => 'namedPort' in port);
  for (const rule of rules) {
    for (const peer of rule.peers) {
      if (peer.ipBlock) {
        // Numbers only at a CIDR; what named ports stand for, the pods inside it carry by their IP.
        const numeric = { ...rule, ports: rule.ports.filter((port) => !('namedPort' in port)) };
        if (numeric.ports.length > 0 || !named(rule)) add(peer.ipBlock.cidr, rule.action, portsFor(numeric));
        if (!named(rule)) continue;
        for (const pod of pods)
          for (const place of placesOf(pod))
            if (peerMatches(cluster, '', peer, { pod, ip: place.ip }))
              add(
                place.cidr,
                rule.action,
                portsFor({ ...rule, ports: rule.ports.filter((port) => 'namedPort' in port) }, pod),
              );
        continue;
      }
      for (const pod of pods)
        if (peerMatches(cluster, '', peer, { pod }))
          for (const place of placesOf(pod)) add(place.cidr, rule.action, portsFor(rule, pod));
    }
    // The egress hook sees a Service's ClusterIP, before kube-proxy translates it: the Services the
    // rule's selector peers stand for get it, with the rule's action, as a NetworkPolicy's egress does.
    for (const service of services) {
      const ports = ruleServicePorts(cluster, '', rule, service);
      if (ports === null) continue;
      for (const ip of service.clusterIPs) if (parseIp(ip)) add(ip, rule.action, ports);
    }
  }
  // By address, and at one address Deny, Pass, Accept (a stable sort keeps the second order within the first).
  const order = { Deny: 0, Pass: 1, Accept: 2 };
  const byAction = [...merged.values()].sort((a, b) => order[a.action] - order[b.action]);
  return sortByAddress(byAction, (entry) => addressOrder(entry.cidr)).map(({ cidr, action, ports }) =>
    clusterEndpointInfo(cidr, action, ports === 'all' ? undefined : ports),
  );
}
