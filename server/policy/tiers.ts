import {
  ACTION_PRECEDENCE,
  type ClusterAction,
  type ClusterNetworkPolicy,
  type ClusterPolicyRule,
  type ClusterTier,
} from '../kube/cluster-network-policy.ts';
import type { PolicyType } from '../kube/network-policy.ts';
import type { Pod } from '../kube/pod.ts';
import type { Cluster } from './cluster.ts';
import { type Endpoint, endpointName, formatPortProtocol, type PortProtocol } from './endpoint.ts';
import { openSide, type PeerTest, type SideVerdict } from './evaluate.ts';
import { rulePortMatches } from './match.ts';

/** The tier whose policy decided a side: a cluster tier, NetworkPolicy, or none (nothing restricts it). */
export type DecidingTier = ClusterTier | 'NetworkPolicy' | 'None';

/** The rule of a ClusterNetworkPolicy that matched a connection, and what it does. */
export interface TierRuleMatch {
  readonly tier: ClusterTier;
  /** The policy's name (cluster-scoped: no namespace). */
  readonly policy: string;
  readonly priority: number;
  /** The rule's index in the policy's ingress or egress list. */
  readonly rule: number;
  readonly ruleName?: string;
  readonly action: ClusterAction;
  /** The index of the matching peer (each CIDR of `networks` counts as one), and of the port when the rule lists ports. */
  readonly peer: number;
  readonly port?: number;
}

/** A rule of a ClusterNetworkPolicy that a later rule of the same policy may overrule: the earlier rule's field, and why. */
export interface RuleOrderWarning {
  readonly field: string;
  readonly message: string;
}

/**
 * The rules of a policy that read as if rule order mattered, though it does not here: upstream
 * AdminNetworkPolicy tries a policy's rules in order, while AWS's ClusterPolicyEndpoints keep no
 * order, so an earlier Accept or Pass gives way to a later Deny (and an Accept to a Pass) wherever
 * both match. One warning per earlier rule, naming the first later rule that can overrule it.
 */
export function ruleOrderWarnings(policy: ClusterNetworkPolicy): RuleOrderWarning[] {
  return (['ingress', 'egress'] as const).flatMap((field) => {
    const rules = policy[field];
    return rules.flatMap((rule, i) => {
      const j = rules.findIndex(
        (later, k) => k > i && ACTION_PRECEDENCE[later.action] < ACTION_PRECEDENCE[rule.action],
      );
      const later = rules[j];
      if (!later) return [];
      return [
        {
          field: `spec.${field}[${i}]`,
          message: `${field} rule ${i} (${rule.action}) comes before rule ${j} (${later.action}), but rule order is not kept: where both match, ${later.action} wins (Deny, then Pass, then Accept); give the ${rule.action} its own policy of lower priority to let it go first`,
        },
      ];
    });
  });
}

/** Where a rule of a ClusterNetworkPolicy met a connection: its matching peer, and port when it lists ports. */
export interface TierHit {
  readonly peer: number;
  readonly port?: number;
}

/**
 * How the tiers' rules meet one connection of a side: a pod addressed directly, or a Service's
 * ClusterIP (whose selector peers stand for the Service, see evaluate-service.ts).
 */
export interface TierMatcher {
  /** Where the rule matches the connection, or undefined when it does not. */
  readonly hit: (policy: ClusterNetworkPolicy, rule: ClusterPolicyRule) => TierHit | undefined;
  /** With `explain`: how the deciding rule's peer met the connection, ending the summary. */
  readonly describe: (match: TierRuleMatch, rule: ClusterPolicyRule) => string;
}

/** The matcher of a connection to `peer` on `target`: named ports resolve on the destination, peers by `test`. */
export function endpointMatcher(
  direction: PolicyType,
  subject: Pod,
  peer: Endpoint,
  target: PortProtocol,
  test: PeerTest,
): TierMatcher {
  const destination = direction === 'Egress' ? peer.pod : subject;
  return {
    hit: (policy, rule) => {
      const port = rule.ports.findIndex((rulePort) => rulePortMatches(rulePort, target, destination));
      if (rule.ports.length > 0 && port < 0) return undefined;
      const peerIndex = rule.peers.findIndex((rulePeer) => test(policy, rulePeer, peer));
      if (peerIndex < 0) return undefined;
      return rule.ports.length > 0 ? { peer: peerIndex, port } : { peer: peerIndex };
    },
    describe: () => `which matches ${endpointName(peer)} on ${formatPortProtocol(target)}`,
  };
}

/** The rule that decided a tier's turn, as reported and as written. */
interface TierDecision {
  readonly match: TierRuleMatch;
  readonly rule: ClusterPolicyRule;
}

/**
 * The rule of `tier` that decides the connection for `subject` (the pod whose policies apply), or
 * undefined when no rule of the tier matches it: the policies are taken by priority, lowest
 * first, and the first priority with a matching rule decides.
 */
function decideTier(
  cluster: Cluster,
  tier: ClusterTier,
  direction: PolicyType,
  subject: Pod,
  matcher: TierMatcher,
): TierDecision | undefined {
  let best: TierDecision | undefined;
  for (const policy of cluster.clusterPoliciesSelecting(subject, direction, tier)) {
    if (best && (policy.priority > best.match.priority || best.rule.action === 'Deny')) break;
    const rules = direction === 'Ingress' ? policy.ingress : policy.egress;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r];
      if (!rule || (best && ACTION_PRECEDENCE[rule.action] >= ACTION_PRECEDENCE[best.rule.action])) continue;
      const hit = matcher.hit(policy, rule);
      if (!hit) continue;
      const match: TierRuleMatch = {
        tier,
        policy: policy.metadata.name,
        priority: policy.priority,
        rule: r,
        ...(rule.name ? { ruleName: rule.name } : {}),
        action: rule.action,
        ...hit,
      };
      best = { match, rule };
    }
  }
  return best;
}

/**
 * One side through the tiers, for a pod that is subject to policy: the Admin tier, then the
 * NetworkPolicies (`networkPolicies` gives their verdict, or undefined when none isolates the
 * pod), then the Baseline tier; with no decision the side is open.
 */
export function throughTiers(
  cluster: Cluster,
  direction: PolicyType,
  subject: Endpoint & { readonly pod: Pod },
  matcher: TierMatcher,
  explain: boolean,
  networkPolicies: () => SideVerdict | undefined,
): SideVerdict {
  const admin = decideTier(cluster, 'Admin', direction, subject.pod, matcher);
  if (admin && admin.rule.action !== 'Pass') return tierSide(direction, admin, [], subject, matcher, explain);
  const passed = admin ? [admin.match] : [];
  const isolated = networkPolicies();
  if (isolated) return passedOn(isolated, passed, explain);
  const baseline = decideTier(cluster, 'Baseline', direction, subject.pod, matcher);
  if (baseline && baseline.rule.action !== 'Pass')
    return tierSide(direction, baseline, passed, subject, matcher, explain);
  if (baseline) passed.push(baseline.match);
  return passedOn(openSide(direction, 'not-isolated', subject, explain), passed, explain);
}

/** The side a cluster rule decided (Accept or Deny). */
function tierSide(
  direction: PolicyType,
  { match, rule }: TierDecision,
  passed: readonly TierRuleMatch[],
  subject: Endpoint,
  matcher: TierMatcher,
  explain: boolean,
): SideVerdict {
  const allowed = match.action === 'Accept';
  const side: SideVerdict = {
    direction,
    reason: 'tier',
    enforced: true,
    isolated: false,
    allowed,
    tier: match.tier,
    decidedBy: match,
    ...(passed.length > 0 ? { passedBy: passed } : {}),
    policies: [match.policy],
    isolatingPolicies: [],
    allowedBy: allowed
      ? [{ policy: match.policy, rule: match.rule, peer: match.peer, port: match.port }]
      : [],
    misses: [],
  };
  if (!explain) return side;
  const word = direction.toLowerCase();
  const verb = allowed ? 'allowed' : 'denied';
  const decided = `${word} ${verb} in the ${match.tier} tier by ${describeTierRule(match, word)} of ${endpointName(subject)}, ${matcher.describe(match, rule)}`;
  return { ...side, summary: prefixPasses(passed, word, decided) };
}

/** A side decided after the Admin (or Baseline) tier passed it on: the same, saying so. */
function passedOn(side: SideVerdict, passed: readonly TierRuleMatch[], explain: boolean): SideVerdict {
  if (passed.length === 0) return side;
  const word = side.direction.toLowerCase();
  return {
    ...side,
    passedBy: passed,
    ...(explain && side.summary ? { summary: prefixPasses(passed, word, side.summary) } : {}),
  };
}

function prefixPasses(passed: readonly TierRuleMatch[], word: string, rest: string): string {
  const passes = passed.map(
    (match) => `the ${match.tier} tier passes it on (${describeTierRule(match, word)})`,
  );
  return [...passes, rest].join('; ');
}

/** `ClusterNetworkPolicy NAME (Admin, priority N) ingress rule R "name" (Deny)`. */
export function describeTierRule(match: TierRuleMatch, word: string): string {
  const name = match.ruleName ? ` "${match.ruleName}"` : '';
  return `ClusterNetworkPolicy ${match.policy} (priority ${match.priority}) ${word} rule ${match.rule}${name} (${match.action})`;
}
