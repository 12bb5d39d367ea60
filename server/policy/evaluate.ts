import type {
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyType,
} from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import { isPolicyPod, type Pod } from '../kube/pod.ts';
import type { Cluster } from './cluster.ts';
import { describeMismatch, describePeer, describePort } from './describe.ts';
import { type Endpoint, endpointName, formatPortProtocol, type PortProtocol } from './endpoint.ts';
import { peerMismatch, portMatches, resolveNamedPort } from './match.ts';
import { selectorMatches } from './selector.ts';
import { type DecidingTier, endpointMatcher, type TierRuleMatch, throughTiers } from './tiers.ts';

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

/** Why a side's verdict is what it is; `tier`: a ClusterNetworkPolicy rule (Admin or Baseline) decided it. */
export type SideReason = 'isolated' | 'not-isolated' | 'not-a-pod' | 'self' | 'node' | 'tier';

/** The verdict of one direction: egress is decided at the source pod, ingress at the destination pod. */
export interface SideVerdict {
  readonly direction: PolicyType;
  readonly reason: SideReason;
  /** False when no policy can apply on this side (its end is not a pod, the pod talks to itself or to its node). */
  readonly enforced: boolean;
  /** Whether any policy isolates the pod in this direction. */
  readonly isolated: boolean;
  readonly allowed: boolean;
  /** The tier that decided: Admin, NetworkPolicy, Baseline, or None when nothing restricts the side. */
  readonly tier: DecidingTier;
  /** When a ClusterNetworkPolicy decided (tier Admin or Baseline): its rule. */
  readonly decidedBy?: TierRuleMatch;
  /** The Pass rules that sent the connection on to a later tier. */
  readonly passedBy?: readonly TierRuleMatch[];
  /**
   * The policies that decided: those whose rules allowed, or when denied those that isolate; for
   * a tier's decision, the ClusterNetworkPolicy (by name).
   */
  readonly policies: readonly string[];
  /** Every policy that isolates the pod in this direction. */
  readonly isolatingPolicies: readonly string[];
  readonly allowedBy: readonly RuleMatch[];
  /** With `explain`: each rule of an isolating policy that did not allow, and why. */
  readonly misses: readonly RuleMiss[];
  /** With `explain`: one sentence for people. */
  readonly summary?: string;
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

/**
 * Decides whether a peer of a policy (a NetworkPolicy, or a ClusterNetworkPolicy whose peers all
 * carry namespace selectors) matches an endpoint; the matrix swaps in a memoized one.
 */
export type PeerTest = (
  policy: { readonly metadata: { readonly namespace: string } },
  peer: NetworkPolicyPeer,
  endpoint: Endpoint,
) => boolean;

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
 * interface, so it is not subject to policy; traffic between a pod and its own node always passes,
 * as upstream documents (kubelet's probes), before any tier. Bulk callers (the matrix) leave `explain` off: the
 * verdict is then built without words and open sides are shared constants.
 */
export function evaluateSide(
  cluster: Cluster,
  direction: PolicyType,
  subject: Endpoint,
  peer: Endpoint,
  target: PortProtocol,
  options: EvaluateOptions = {},
): SideVerdict {
  const explain = options.explain === true;
  // A pod on the host's network, or one that has finished, is not one NetworkPolicy applies to.
  const pod = subject.pod && isPolicyPod(subject.pod) ? subject.pod : undefined;
  const reason: SideReason | undefined = !pod
    ? 'not-a-pod'
    : pod === peer.pod
      ? 'self'
      : cluster.isNodeOf(pod, peer.ip)
        ? 'node'
        : undefined;
  if (!pod || reason) return openSide(direction, reason ?? 'not-isolated', subject, explain, peer);
  const test: PeerTest =
    options.peerTest ??
    ((policy, rulePeer, endpoint) => !peerMismatch(cluster, policy.metadata.namespace, rulePeer, endpoint));
  const matcher = endpointMatcher(direction, pod, peer, target, test);
  return throughTiers(cluster, direction, { ...subject, pod }, matcher, explain, () => {
    const isolating = cluster.policiesSelecting(pod, direction);
    return isolating.length === 0
      ? undefined
      : networkPolicySide(cluster, direction, { ...subject, pod }, peer, target, isolating, test, explain);
  });
}

/** The verdict of the NetworkPolicy tier for a pod the `isolating` policies isolate in `direction`. */
function networkPolicySide(
  cluster: Cluster,
  direction: PolicyType,
  subject: Endpoint & { readonly pod: Pod },
  peer: Endpoint,
  target: PortProtocol,
  isolating: readonly NetworkPolicy[],
  test: PeerTest,
  explain: boolean,
): SideVerdict {
  const pod = subject.pod;
  const destination = direction === 'Egress' ? peer.pod : pod;
  const allowedBy: RuleMatch[] = [];
  const misses: RuleMiss[] = [];
  for (const policy of isolating) {
    const rules = direction === 'Ingress' ? policy.ingress : policy.egress;
    if (explain && rules.length === 0) {
      const word = direction.toLowerCase();
      misses.push({
        policy: policyKey(policy),
        rule: -1,
        reason: `has no ${word} rules, so it allows no ${word} at all`,
      });
    }
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r];
      if (!rule) continue;
      let portIndex = -1;
      for (let i = 0; i < rule.ports.length && portIndex < 0; i++) {
        if (portMatches(rule.ports[i] as NetworkPolicyPort, target, destination)) portIndex = i;
      }
      if (rule.ports.length > 0 && portIndex < 0) {
        if (explain)
          misses.push({
            policy: policyKey(policy),
            rule: r,
            reason: portMissReason(
              rule.ports,
              target,
              destination,
              // The kernel's pooled named ports matter only where the rule's peers take the peer.
              direction === 'Ingress' &&
                (rule.peers.length === 0 || rule.peers.some((one) => test(policy, one, peer)))
                ? { cluster, policy }
                : undefined,
            ),
          });
        continue;
      }
      let peerIndex = -1;
      for (let i = 0; i < rule.peers.length && peerIndex < 0; i++) {
        if (test(policy, rule.peers[i] as NetworkPolicyPeer, peer)) peerIndex = i;
      }
      if (rule.peers.length > 0 && peerIndex < 0) {
        if (explain)
          misses.push({
            policy: policyKey(policy),
            rule: r,
            reason: peerMissReason(cluster, policy, rule.peers, peer),
          });
        continue;
      }
      allowedBy.push({
        policy: policyKey(policy),
        rule: r,
        peer: rule.peers.length > 0 ? peerIndex : undefined,
        port: rule.ports.length > 0 ? portIndex : undefined,
      });
    }
  }
  if (allowedBy.length === 0 && !explain) return deniedSide(direction, isolating);
  const isolatingPolicies = policyKeysOf(isolating);
  const allowed = allowedBy.length > 0;
  const policies = !allowed
    ? isolatingPolicies
    : allowedBy.length === 1
      ? [allowedBy[0]?.policy as string]
      : [...new Set(allowedBy.map((m) => m.policy))];
  const verdict: SideVerdict = {
    direction,
    reason: 'isolated',
    enforced: true,
    isolated: true,
    allowed,
    tier: 'NetworkPolicy',
    policies,
    isolatingPolicies,
    allowedBy,
    misses: explain ? misses : NONE,
  };
  return explain ? { ...verdict, summary: describeIsolatedSide(verdict, subject, peer, target) } : verdict;
}

const NONE: readonly never[] = Object.freeze([]);
const isolatingKeys = new WeakMap<readonly NetworkPolicy[], readonly string[]>();
const deniedSides = new WeakMap<readonly NetworkPolicy[], SideVerdict>();

/** The keys of a list of isolating policies; the cluster hands out one list per pod and direction, so this is shared. */
function policyKeysOf(isolating: readonly NetworkPolicy[]): readonly string[] {
  let keys = isolatingKeys.get(isolating);
  if (!keys) {
    keys = Object.freeze(isolating.map(policyKey));
    isolatingKeys.set(isolating, keys);
  }
  return keys;
}

/** A denial without explanation depends only on the isolating policies, so one object serves every peer. */
function deniedSide(direction: PolicyType, isolating: readonly NetworkPolicy[]): SideVerdict {
  let side = deniedSides.get(isolating);
  if (!side) {
    const isolatingPolicies = policyKeysOf(isolating);
    side = Object.freeze({
      direction,
      reason: 'isolated' as const,
      enforced: true,
      isolated: true,
      allowed: false,
      tier: 'NetworkPolicy' as const,
      policies: isolatingPolicies,
      isolatingPolicies,
      allowedBy: NONE,
      misses: NONE,
    });
    deniedSides.set(isolating, side);
  }
  return side;
}

const policyKeys = new WeakMap<NetworkPolicy, string>();

/** `ns/name` of a policy, built once per policy object. */
export function policyKey(policy: NetworkPolicy): string {
  let key = policyKeys.get(policy);
  if (key === undefined) {
    key = keyOf(policy.metadata);
    policyKeys.set(policy, key);
  }
  return key;
}

/**
 * The verdict of a side no policy restricts: `subject` is not a pod, talks to itself or to its
 * node (`peer`), or is not isolated.
 */
export function openSide(
  direction: PolicyType,
  reason: OpenReason,
  subject: Endpoint,
  explain: boolean,
  peer?: Endpoint,
): SideVerdict {
  const open = OPEN_SIDES[direction][reason];
  return explain ? { ...open, summary: describeOpenSide(open, subject, peer) } : open;
}

/** Why no policy restricts a side. */
type OpenReason = Exclude<SideReason, 'isolated' | 'tier'>;

function sharedOpenSide(direction: PolicyType, reason: OpenReason): SideVerdict {
  return Object.freeze({
    direction,
    reason,
    enforced: reason === 'not-isolated',
    isolated: false,
    allowed: true,
    tier: 'None',
    policies: NONE,
    isolatingPolicies: NONE,
    allowedBy: NONE,
    misses: NONE,
  });
}

const OPEN_SIDES: Record<PolicyType, Record<OpenReason, SideVerdict>> = {
  Ingress: {
    'not-isolated': sharedOpenSide('Ingress', 'not-isolated'),
    'not-a-pod': sharedOpenSide('Ingress', 'not-a-pod'),
    self: sharedOpenSide('Ingress', 'self'),
    node: sharedOpenSide('Ingress', 'node'),
  },
  Egress: {
    'not-isolated': sharedOpenSide('Egress', 'not-isolated'),
    'not-a-pod': sharedOpenSide('Egress', 'not-a-pod'),
    self: sharedOpenSide('Egress', 'self'),
    node: sharedOpenSide('Egress', 'node'),
  },
};

function describeOpenSide(side: SideVerdict, subject: Endpoint, peer: Endpoint | undefined): string {
  const word = side.direction.toLowerCase();
  switch (side.reason) {
    case 'self':
      return 'traffic between a pod and itself does not cross its network interface, so no policy applies';
    case 'node':
      return `${
        peer?.pod
          ? `${endpointName(peer)} uses the network of ${endpointName(subject)}'s node`
          : `${peer ? endpointName(peer) : 'the other end'} is ${endpointName(subject)}'s node`
      }: traffic between a pod and its own node (kubelet's probes) always passes, whatever the policies say`;
    case 'not-a-pod':
      return subject.pod
        ? `${endpointName(subject)} ${subject.pod.hostNetwork ? "uses its node's network" : 'has finished'}, so no ${word} policy applies to it`
        : `${endpointName(subject)} is not a pod, so no ${word} policy applies there`;
    default:
      return `${endpointName(subject)} is not isolated for ${word}: no policy selects it with ${side.direction}`;
  }
}

function describeIsolatedSide(
  side: SideVerdict,
  subject: Endpoint,
  peer: Endpoint,
  target: PortProtocol,
): string {
  const word = side.direction.toLowerCase();
  if (side.allowed)
    return `${word} allowed by ${side.allowedBy.map((m) => `${m.policy} ${word} rule ${m.rule}`).join(', ')}`;
  return `${word} denied: ${endpointName(subject)} is isolated for ${word} by ${side.isolatingPolicies.join(', ')} and no rule allows ${endpointName(peer)} on ${formatPortProtocol(target)}`;
}

function portMissReason(
  ports: readonly NetworkPolicyPort[],
  target: PortProtocol,
  destination: Endpoint['pod'],
  ingress?: { cluster: Cluster; policy: NetworkPolicy },
): string {
  const listed = ports.map((rulePort) => describePort(rulePort, destination)).join(', ');
  const pooled = ingress && pooledNamedPort(ingress.cluster, ingress.policy, ports, target, destination);
  return `port ${formatPortProtocol(target)} is not among its ports: ${listed}${
    pooled
      ? `; the kernel admits it all the same, as ${pooled}, another pod the policy selects: a PolicyEndpoint's ingress entries hold what a named port stands for on every pod it selects (AWS's shape)`
      : ''
  }`;
}

/**
 * `name is N on ns/pod` when one of the rule's named ports stands for `target` on another pod the
 * policy selects than `destination`: its PolicyEndpoint then admits `target` on `destination` too.
 */
function pooledNamedPort(
  cluster: Cluster,
  policy: NetworkPolicy,
  ports: readonly NetworkPolicyPort[],
  target: PortProtocol,
  destination: Endpoint['pod'],
): string | undefined {
  for (const rulePort of ports) {
    if (typeof rulePort.port !== 'string' || rulePort.protocol !== target.protocol) continue;
    for (const other of cluster.podsIn(policy.metadata.namespace)) {
      if (
        other === destination ||
        !isPolicyPod(other) ||
        !selectorMatches(policy.podSelector, other.metadata.labels)
      )
        continue;
      if (resolveNamedPort(other, rulePort.port, target.protocol) === target.port)
        return `${rulePort.port} is ${target.port} on ${keyOf(other.metadata)}`;
    }
  }
  return undefined;
}

function peerMissReason(
  cluster: Cluster,
  policy: NetworkPolicy,
  peers: readonly NetworkPolicyPeer[],
  peer: Endpoint,
): string {
  const why = peers.map((rulePeer) => {
    const mismatch = peerMismatch(cluster, policy.metadata.namespace, rulePeer, peer);
    return `${describePeer(rulePeer, policy.metadata.namespace)} (${mismatch ? describeMismatch(mismatch) : 'matches'})`;
  });
  return `${endpointName(peer)} matches none of its peers: ${why.join('; ')}`;
}
