import type { NetworkPolicy, NetworkPolicyPeer } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Protocol } from '../kube/protocol.ts';
import { describeServicePort, type Service, type ServicePort } from '../kube/service.ts';
import { formatIp, type Ip, parseIp } from '../net/ip.ts';
import type { Cluster } from './cluster.ts';
import { describeMismatch, describePeer, describePort } from './describe.ts';
import { type Endpoint, endpointName, type PortProtocol, podEndIn } from './endpoint.ts';
import {
  evaluateSide,
  openSide,
  policyKey,
  type RuleMatch,
  type RuleMiss,
  type SideVerdict,
  type Verdict,
} from './evaluate.ts';
import { type PolicyRule, peerMismatch, rulePortMatches } from './match.ts';
import { formatSelector } from './selector.ts';
import {
  portBackends,
  rulePortAdmits,
  type ServicePeerMismatch,
  serviceName,
  servicePeerMismatch,
} from './service.ts';
import { type TierMatcher, throughTiers } from './tiers.ts';

/** One backend of a connection through a ClusterIP. */
export interface BackendVerdict {
  /** `ns/name` of the pod. */
  readonly pod: string;
  readonly ip?: string;
  /** The port the connection reaches on this pod (the service port's targetPort, resolved here). */
  readonly targetPort: number;
  /** Through the ClusterIP: egress toward the ClusterIP at the source, and ingress here on the target port. */
  readonly allowed: boolean;
  /** Ingress at this pod, from the client, on the target port (after kube-proxy's translation). */
  readonly ingress: SideVerdict;
  /** The same pod addressed directly (its IP, the target port): the egress verdict the pod graph shows. */
  readonly direct: { readonly allowed: boolean; readonly egress: SideVerdict };
}

/** A connection to a Service's ClusterIP on one of its ports, judged as the datapath judges it. */
export interface ServiceVerdict {
  readonly from: string;
  /** `svc/ns/name`. */
  readonly service: string;
  readonly clusterIP: string;
  /** The service port the client connects to. */
  readonly port: number;
  readonly protocol: Protocol;
  readonly portName?: string;
  readonly targetPort: number | string;
  /**
   * Every backend is reached through the ClusterIP (false when there is none); for a Service
   * without a selector, whose endpoints are not pods of the cluster, the source lets it out.
   */
  readonly allowed: boolean;
  /**
   * The Service has no selector: its endpoints are kept by someone else (`default/kubernetes`'s
   * are the API servers), not pods of the cluster, so only the source's egress is judged.
   */
  readonly unselected?: true;
  /**
   * Egress at the source, judged before kube-proxy translates the address, in every tier: on the
   * ClusterIP entries (Services whose selector satisfies a rule's peer) and on ipBlocks (or a
   * ClusterNetworkPolicy's networks) holding the ClusterIP.
   */
  readonly egress: SideVerdict;
  readonly backends: readonly BackendVerdict[];
  /** With `explain`: where the ClusterIP and the pods behind it are judged differently, and why. */
  readonly notes: readonly string[];
  /** With `explain`: one sentence for people. */
  readonly summary?: string;
}

export interface ServiceEvaluateOptions {
  readonly explain?: boolean;
  /** The ClusterIP the client uses (a dual-stack Service has two); the first by default. */
  readonly clusterIP?: string;
}

/**
 * May `from` connect to `service` on `servicePort`? Egress is judged at the source toward the
 * ClusterIP, ingress at each backend on its target port; kube-proxy picks a backend per
 * connection, so the connection is allowed when every backend lets it in.
 */
export function evaluateService(
  cluster: Cluster,
  from: Endpoint,
  service: Service,
  servicePort: ServicePort,
  options: ServiceEvaluateOptions = {},
): ServiceVerdict {
  const explain = options.explain === true;
  const clusterIP = options.clusterIP ?? service.clusterIPs[0] ?? '';
  const ip = parseIp(clusterIP);
  if (!ip || !service.clusterIPs.includes(clusterIP))
    throw new Error(`${serviceName(service)} has no ClusterIP ${JSON.stringify(clusterIP)}`);
  const target: PortProtocol = { port: servicePort.port, protocol: servicePort.protocol };
  // The connection is in the ClusterIP's family: kube-proxy sends it to each backend's address of
  // that family, from the client's address of that family.
  const source = from.pod ? podEndIn(cluster, from.pod, ip.family) : from;
  const egress = clusterIpEgress(cluster, source, service, servicePort, ip, explain);
  const unselected = Object.keys(service.selector).length === 0;
  const backends = portBackends(cluster, service, servicePort).map(
    ({ pod, target: port }): BackendVerdict => {
      const backend = podEndIn(cluster, pod, ip.family);
      const onTarget = { port, protocol: servicePort.protocol };
      const ingress = evaluateSide(cluster, 'Ingress', backend, source, onTarget, { explain });
      const direct = evaluateSide(cluster, 'Egress', source, backend, onTarget, { explain });
      return {
        pod: keyOf(pod.metadata),
        ip: backend.ip ? formatIp(backend.ip) : pod.podIP,
        targetPort: port,
        allowed: egress.allowed && ingress.allowed,
        ingress,
        direct: { allowed: direct.allowed && ingress.allowed, egress: direct },
      };
    },
  );
  const verdict: ServiceVerdict = {
    from: endpointName(source),
    service: serviceName(service),
    clusterIP,
    port: target.port,
    protocol: target.protocol,
    ...(servicePort.name ? { portName: servicePort.name } : {}),
    targetPort: servicePort.targetPort,
    allowed:
      egress.allowed && (unselected || (backends.length > 0 && backends.every((backend) => backend.allowed))),
    ...(unselected ? { unselected } : {}),
    egress,
    backends,
    notes: [],
  };
  if (!explain) return verdict;
  return { ...verdict, notes: notesOn(verdict, servicePort), summary: summaryOf(verdict) };
}

/**
 * The egress side toward the ClusterIP, with the rules that allowed it or why each did not. Every
 * tier meets the ClusterIP as the NetworkPolicy tier does (see {@link ruleAdmitsClusterIp}): a
 * rule's networks hold it, or its selector peers stand for the Service, with the rule's action.
 */
function clusterIpEgress(
  cluster: Cluster,
  from: Endpoint,
  service: Service,
  servicePort: ServicePort,
  ip: Ip,
  explain: boolean,
): SideVerdict {
  const pod = from.pod;
  if (!pod) return openSide('Egress', 'not-a-pod', from, explain);
  const matcher = clusterIpMatcher(cluster, service, servicePort, ip);
  return throughTiers(cluster, 'Egress', { ...from, pod }, matcher, explain, () => {
    const isolating = cluster.policiesSelecting(pod, 'Egress');
    return isolating.length === 0
      ? undefined
      : isolatedClusterIpEgress(cluster, from, service, servicePort, ip, isolating, explain);
  });
}

/** How a ClusterNetworkPolicy's egress rule meets the ClusterIP, and says so. */
function clusterIpMatcher(cluster: Cluster, service: Service, servicePort: ServicePort, ip: Ip): TierMatcher {
  return {
    hit: (_, rule) => {
      // A cluster policy has no namespace: its selector peers all carry a namespaceSelector.
      const outcome = ruleAdmitsClusterIp(cluster, '', rule, service, servicePort, ip);
      return 'reason' in outcome || outcome.peer === undefined
        ? undefined
        : { ...outcome, peer: outcome.peer };
    },
    describe: (match, rule) => {
      const peer = rule.peers[match.peer];
      const words = peer ? describePeer(peer, '') : `peer ${match.peer}`;
      const name = serviceName(service);
      const port = `${servicePort.port}/${servicePort.protocol}`;
      return peer?.ipBlock
        ? `whose peer ${words} holds the ClusterIP ${formatIp(ip)} of ${name}, on ${port}`
        : `whose peer ${words} stands for ${name} (the Service's selector satisfies it), so it matches its ClusterIP ${formatIp(ip)} on ${port}`;
    },
  };
}

/** The NetworkPolicy tier's verdict on egress toward the ClusterIP, for a pod `isolating` isolates. */
function isolatedClusterIpEgress(
  cluster: Cluster,
  from: Endpoint,
  service: Service,
  servicePort: ServicePort,
  ip: Ip,
  isolating: readonly NetworkPolicy[],
  explain: boolean,
): SideVerdict {
  const allowedBy: RuleMatch[] = [];
  const misses: RuleMiss[] = [];
  for (const policy of isolating) {
    if (policy.egress.length === 0)
      misses.push({
        policy: policyKey(policy),
        rule: -1,
        reason: 'has no egress rules, so it allows no egress at all',
      });
    policy.egress.forEach((rule, r) => {
      const outcome = ruleAdmitsClusterIp(cluster, policy.metadata.namespace, rule, service, servicePort, ip);
      if ('reason' in outcome) misses.push({ policy: policyKey(policy), rule: r, reason: outcome.reason });
      else allowedBy.push({ policy: policyKey(policy), rule: r, ...outcome });
    });
  }
  const isolatingPolicies = isolating.map(policyKey);
  const allowed = allowedBy.length > 0;
  const side: SideVerdict = {
    direction: 'Egress',
    reason: 'isolated',
    enforced: true,
    isolated: true,
    allowed,
    tier: 'NetworkPolicy',
    policies: allowed ? [...new Set(allowedBy.map((match) => match.policy))] : isolatingPolicies,
    isolatingPolicies,
    allowedBy,
    misses: explain ? misses : [],
  };
  if (!explain) return side;
  const address = `the ClusterIP ${formatIp(ip)} of ${serviceName(service)}`;
  const summary = allowed
    ? `egress to ${address} allowed by ${allowedBy.map((m) => `${m.policy} egress rule ${m.rule}`).join(', ')}`
    : `egress denied: ${endpointName(from)} is isolated for egress by ${isolatingPolicies.join(', ')} and no rule allows ${address} on ${servicePort.port}/${servicePort.protocol}`;
  return { ...side, summary };
}

/**
 * How one egress rule of a policy in `policyNamespace` treats the ClusterIP: the peer and port
 * that matched it, or why it did not.
 */
function ruleAdmitsClusterIp(
  cluster: Cluster,
  policyNamespace: string,
  rule: PolicyRule,
  service: Service,
  servicePort: ServicePort,
  ip: Ip,
): { peer?: number; port?: number } | { reason: string } {
  const target = { port: servicePort.port, protocol: servicePort.protocol };
  // Address entries (no peers: 0.0.0.0/0 and ::/0; ipBlocks) carry the rule's numeric ports only.
  const addressPort = () =>
    rule.ports.length === 0 ? -1 : rule.ports.findIndex((port) => rulePortMatches(port, target, undefined));
  const servicePortIndex = () =>
    rule.ports.length === 0
      ? -1
      : rule.ports.findIndex((port) => rulePortAdmits(cluster, service, port, servicePort));
  const index = (i: number) => (i >= 0 ? { port: i } : {});
  if (rule.peers.length === 0) {
    const port = addressPort();
    if (rule.ports.length === 0 || port >= 0) return index(port);
    return { reason: `port ${target.port}/${target.protocol} is not among its ports: ${listPorts(rule)}` };
  }
  const why: string[] = [];
  for (const [i, peer] of rule.peers.entries()) {
    const words = describePeer(peer, policyNamespace);
    if (peer.ipBlock) {
      const mismatch = peerMismatch(cluster, policyNamespace, peer, { ip });
      if (mismatch) {
        why.push(`${words} (the ClusterIP ${describeMismatch(mismatch)})`);
        continue;
      }
      const port = addressPort();
      if (rule.ports.length === 0 || port >= 0) return { peer: i, ...index(port) };
      why.push(
        `${words} (holds the ClusterIP, but not port ${target.port}/${target.protocol}: ${listPorts(rule)})`,
      );
      continue;
    }
    const mismatch = servicePeerMismatch(cluster, policyNamespace, peer, service);
    if (mismatch) {
      why.push(`${words} (${describeServiceMismatch(mismatch, peer, service)})`);
      continue;
    }
    const port = servicePortIndex();
    if (rule.ports.length === 0 || port >= 0) return { peer: i, ...index(port) };
    why.push(
      `${words} (stands for the Service, but none of its ports ${listPorts(rule)} is the target of service port ${describeServicePort(servicePort)})`,
    );
  }
  return { reason: `${serviceName(service)} matches none of its peers: ${why.join('; ')}` };
}

function listPorts(rule: PolicyRule): string {
  return rule.ports.map((port) => describePort(port, undefined)).join(', ');
}

function describeServiceMismatch(
  mismatch: ServicePeerMismatch,
  peer: NetworkPolicyPeer,
  service: Service,
): string {
  const selector = formatSelector({ matchLabels: service.selector, matchExpressions: [] });
  switch (mismatch) {
    case 'ip-block':
      return 'an ipBlock';
    case 'no-cluster-ip':
      return 'the Service has no ClusterIP';
    case 'other-namespace':
      return `the Service is in namespace ${service.metadata.namespace}`;
    case 'namespace-labels':
      return `the Service's namespace ${service.metadata.namespace} does not match the namespaceSelector`;
    case 'service-selector':
      return `the Service's selector ${selector === '<all>' ? '(none)' : selector} does not satisfy the podSelector ${formatSelector(peer.podSelector ?? { matchLabels: {}, matchExpressions: [] })}, and ClusterIP entries follow the Service's selector, not its pods' labels`;
  }
}

/** Sentences that say where going through the ClusterIP and going to the pods differ, and why. */
function notesOn(verdict: ServiceVerdict, servicePort: ServicePort): string[] {
  const notes: string[] = [];
  const { backends, egress } = verdict;
  if (verdict.unselected) {
    notes.push(
      `${verdict.service} has no selector: its endpoints are not pods (for default/kubernetes, the API servers), so only ${verdict.from}'s egress is judged here`,
    );
    return notes;
  }
  if (backends.length === 0) {
    notes.push(
      `${verdict.service} has no backend for port ${describeServicePort(servicePort)}: its selector picks no pod with an IP${typeof servicePort.targetPort === 'string' ? ` that declares the container port ${servicePort.targetPort}` : ''}, so nothing answers on ${verdict.clusterIP}:${verdict.port}`,
    );
    return notes;
  }
  const directly = backends.filter((backend) => backend.direct.egress.allowed).map((backend) => backend.pod);
  if (!egress.allowed && directly.length > 0) {
    notes.push(
      `egress to the pods ${directly.join(', ')} is allowed when they are addressed directly, but not to the ClusterIP ${verdict.clusterIP}: the datapath judges egress before kube-proxy translates the ClusterIP, on the ClusterIP entries of Services whose selector satisfies a rule's peer (see the egress verdict)`,
    );
  }
  const notDirectly = backends
    .filter((backend) => !backend.direct.egress.allowed)
    .map((backend) => backend.pod);
  if (egress.allowed && notDirectly.length > 0) {
    notes.push(
      `egress to the ClusterIP ${verdict.clusterIP} is allowed (${egress.allowedBy.map((m) => `${m.policy} egress rule ${m.rule}`).join(', ') || 'not isolated'}), but not to the pods ${notDirectly.join(', ')} addressed directly on their target port`,
    );
  }
  const denying = backends.filter((backend) => !backend.ingress.allowed);
  if (denying.length > 0 && denying.length < backends.length) {
    notes.push(
      `${backends.length - denying.length} of ${backends.length} backends let the connection in: kube-proxy picks a backend per connection, so connections to ${denying.map((b) => b.pod).join(', ')} fail`,
    );
  }
  if (backends.some((backend) => backend.ingress.reason === 'self')) {
    notes.push(
      `${verdict.from} is a backend of ${verdict.service} itself: kube-proxy gives such hairpin connections the node's address, which ingress always lets in`,
    );
  }
  return notes;
}

function summaryOf(verdict: ServiceVerdict): string {
  const through = `${verdict.from} → ${verdict.service} (${verdict.clusterIP}:${verdict.port}/${verdict.protocol})`;
  const reached = verdict.backends.filter((backend) => backend.allowed).length;
  if (verdict.unselected)
    return `${through}: ${verdict.egress.allowed ? 'allowed' : 'denied'} at the source; its endpoints are not pods, and not judged`;
  if (verdict.backends.length === 0) return `${through}: no backend answers`;
  if (!verdict.egress.allowed) return `${through}: denied at the source, before any backend`;
  return `${through}: ${reached === verdict.backends.length ? 'allowed to every backend' : `allowed to ${reached} of ${verdict.backends.length} backends`} (${verdict.backends.map((b) => `${b.pod}:${b.targetPort} ${b.allowed ? 'allowed' : 'denied'}`).join(', ')})`;
}

/**
 * The service verdict in the shape of a pod-to-pod {@link Verdict} (egress toward the ClusterIP,
 * ingress at `backend`, else at the first backend that denies, else the first), for pages that
 * show one verdict; the whole service verdict goes along.
 */
export function serviceAsVerdict(
  verdict: ServiceVerdict,
  backend?: string,
): Verdict & { service: ServiceVerdict } {
  const chosen =
    verdict.backends.find((candidate) => candidate.pod === backend) ??
    verdict.backends.find((candidate) => !candidate.ingress.allowed) ??
    verdict.backends[0];
  const ingress: SideVerdict = chosen?.ingress ?? {
    direction: 'Ingress',
    reason: 'isolated',
    enforced: false,
    isolated: false,
    allowed: false,
    tier: 'None',
    policies: [],
    isolatingPolicies: [],
    allowedBy: [],
    misses: [],
    summary: verdict.notes[0] ?? `${verdict.service} has no backend`,
  };
  return {
    from: verdict.from,
    to: verdict.service,
    port: verdict.port,
    protocol: verdict.protocol,
    allowed: chosen ? verdict.egress.allowed && ingress.allowed : false,
    egress: verdict.egress,
    ingress,
    service: verdict,
  };
}
