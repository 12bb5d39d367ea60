import type { NetworkPolicy, NetworkPolicyPeer, PolicyType } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Cluster } from './cluster.ts';
import { describeMismatch, describePeer, describePort } from './describe.ts';
import { type Endpoint, endpointName, formatPortProtocol, type PortProtocol } from './endpoint.ts';
import { peerMismatch, portMatches } from './match.ts';

/** A rule that allowed a connection; `peer`/`port` index the rule's lists, absent when the list was empty (all). */
export interface RuleMatch {
  readonly policy: string;
  readonly rule: number;
  readonly peer?: number;
  readonly port?: number;
}

/** A rule of an isolating policy that did not allow the connection, and why. `rule` is -1 for a policy with no rules. */
export interface RuleMiss {
  readonly policy: string;
  readonly rule: number;
  readonly reason: string;
}

/** The verdict of one direction: egress is decided at the source pod, ingress at the destination pod. */
export interface SideVerdict {
  readonly direction: PolicyType;
  /** False when this side's end is not a pod, so no policy applies there. */
  readonly enforced: boolean;
  /** Whether any policy isolates the pod in this direction. */
  readonly isolated: boolean;
  readonly allowed: boolean;
  /** The policies that decided: those whose rules allowed, or when denied those that isolate. */
  readonly policies: readonly string[];
  /** Every policy that isolates the pod in this direction. */
  readonly isolatingPolicies: readonly string[];
  readonly allowedBy: readonly RuleMatch[];
  /** Filled only when an explanation was asked for. */
  readonly misses: readonly RuleMiss[];
  /** One sentence for people. */
  readonly summary: string;
}

export interface Verdict {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: PortProtocol['protocol'];
  readonly allowed: boolean;
  readonly egress: SideVerdict;
  readonly ingress: SideVerdict;
}

/** Decides whether a peer of a policy matches an endpoint; the matrix swaps in a memoized one. */
export type PeerTest = (policy: NetworkPolicy, peer: NetworkPolicyPeer, endpoint: Endpoint) => boolean;

export interface EvaluateOptions {
  /** Also say, for each rule that did not allow, why (costs time; off for bulk work). */
  readonly explain?: boolean;
  readonly peerTest?: PeerTest;
}

/** May `from` open a connection to `to` on `target`? Both directions must allow it. */
export function evaluate(
  cluster: Cluster,
  from: Endpoint,
  to: Endpoint,
  target: PortProtocol,
  options: EvaluateOptions = {},
): Verdict {
  const egress = evaluateSide(cluster, 'Egress', from, to, target, options);
  const ingress = evaluateSide(cluster, 'Ingress', to, from, target, options);
  return {
    from: endpointName(from),
    to: endpointName(to),
    port: target.port,
    protocol: target.protocol,
    allowed: egress.allowed && ingress.allowed,
    egress,
    ingress,
  };
}

/**
 * One direction's verdict: `subject` is the pod whose policies apply (the source for egress, the
 * destination for ingress), `peer` the other end. Traffic of a pod to itself never crosses its
 * interface, so it is not subject to policy.
 */
export function evaluateSide(
  cluster: Cluster,
  direction: PolicyType,
  subject: Endpoint,
  peer: Endpoint,
  target: PortProtocol,
  options: EvaluateOptions = {},
): SideVerdict {
  const word = direction.toLowerCase();
  const pod = subject.pod;
  if (!pod || pod === peer.pod) {
    const summary = pod
      ? 'traffic between a pod and itself does not cross its network interface, so no policy applies'
      : `${endpointName(subject)} is not a pod, so no ${word} policy applies there`;
    return open(direction, false, summary);
  }
  const isolating = cluster.policiesSelecting(pod, direction);
  if (isolating.length === 0) {
    return open(
      direction,
      true,
      `${endpointName(subject)} is not isolated for ${word}: no policy selects it with ${direction}`,
    );
  }
  const explain = options.explain === true;
  const test: PeerTest =
    options.peerTest ??
    ((policy, rulePeer, endpoint) => !peerMismatch(cluster, policy.metadata.namespace, rulePeer, endpoint));
  const destination = direction === 'Egress' ? peer.pod : pod;
  const allowedBy: RuleMatch[] = [];
  const misses: RuleMiss[] = [];
  for (const policy of isolating) {
    const name = keyOf(policy.metadata);
    const rules = direction === 'Ingress' ? policy.ingress : policy.egress;
    if (explain && rules.length === 0) {
      misses.push({ policy: name, rule: -1, reason: `has no ${word} rules, so it allows no ${word} at all` });
    }
    rules.forEach((rule, r) => {
      const portIndex = rule.ports.findIndex((rulePort) => portMatches(rulePort, target, destination));
      if (rule.ports.length > 0 && portIndex < 0) {
        if (explain) {
          const ports = rule.ports.map((rulePort) => describePort(rulePort, destination)).join(', ');
          misses.push({
            policy: name,
            rule: r,
            reason: `port ${formatPortProtocol(target)} is not among its ports: ${ports}`,
          });
        }
        return;
      }
      const peerIndex = rule.peers.findIndex((rulePeer) => test(policy, rulePeer, peer));
      if (rule.peers.length > 0 && peerIndex < 0) {
        if (explain) {
          const why = rule.peers.map((rulePeer) => {
            const mismatch = peerMismatch(cluster, policy.metadata.namespace, rulePeer, peer);
            return `${describePeer(rulePeer, policy.metadata.namespace)} (${mismatch ? describeMismatch(mismatch) : 'matches'})`;
          });
          misses.push({
            policy: name,
            rule: r,
            reason: `${endpointName(peer)} matches none of its peers: ${why.join('; ')}`,
          });
        }
        return;
      }
      allowedBy.push({
        policy: name,
        rule: r,
        peer: rule.peers.length > 0 ? peerIndex : undefined,
        port: rule.ports.length > 0 ? portIndex : undefined,
      });
    });
  }
  const isolatingPolicies = isolating.map((policy) => keyOf(policy.metadata));
  const allowed = allowedBy.length > 0;
  const policies = allowed ? [...new Set(allowedBy.map((match) => match.policy))] : isolatingPolicies;
  const summary = allowed
    ? `${word} allowed by ${allowedBy.map((m) => `${m.policy} ${word} rule ${m.rule}`).join(', ')}`
    : `${word} denied: ${endpointName(subject)} is isolated for ${word} by ${isolatingPolicies.join(', ')} and no rule allows ${endpointName(peer)} on ${formatPortProtocol(target)}`;
  return {
    direction,
    enforced: true,
    isolated: true,
    allowed,
    policies,
    isolatingPolicies,
    allowedBy,
    misses,
    summary,
  };
}

function open(direction: PolicyType, enforced: boolean, summary: string): SideVerdict {
  return {
    direction,
    enforced,
    isolated: false,
    allowed: true,
    policies: [],
    isolatingPolicies: [],
    allowedBy: [],
    misses: [],
    summary,
  };
}
