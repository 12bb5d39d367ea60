import type { ClusterAction, ClusterNetworkPolicy, ClusterTier } from '../kube/cluster-network-policy.ts';
import type { PolicyType } from '../kube/network-policy.ts';
import type { Pod } from '../kube/pod.ts';
import type { Cluster } from './cluster.ts';
import { type Endpoint, endpointName, formatPortProtocol, type PortProtocol } from './endpoint.ts';
import { openSide, type PeerTest, type SideVerdict } from './evaluate.ts';
import { clusterPortMatches } from './match.ts';

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

/**
 * Among rules of equal priority (AWS's ClusterPolicyEndpoints keep no rule order), the most
 * restrictive action wins: Deny, then Pass, then Accept.
 */
const PRECEDENCE: Record<ClusterAction, number> = { Deny: 0, Pass: 1, Accept: 2 };

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
      const j = rules.findIndex((later, k) => k > i && PRECEDENCE[later.action] < PRECEDENCE[rule.action]);
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

/**
 * The rule of `tier` that decides the connection for `subject` (the pod whose policies apply), or
 * undefined when no rule of the tier matches it: the policies are taken by priority, lowest
 * first, and the first priority with a matching rule decides.
 */
export function decideTier(
  cluster: Cluster,
  tier: ClusterTier,
  direction: PolicyType,
  subject: Pod,
  peer: Endpoint,
  target: PortProtocol,
  test: PeerTest,
): TierRuleMatch | undefined {
  const destination = direction === 'Egress' ? peer.pod : subject;
  let best: TierRuleMatch | undefined;
  for (const policy of cluster.clusterPoliciesSelecting(subject, direction, tier)) {
    if (best && (policy.priority > best.priority || best.action === 'Deny')) break;
    const rules = direction === 'Ingress' ? policy.ingress : policy.egress;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r];
      if (!rule || (best && PRECEDENCE[rule.action] >= PRECEDENCE[best.action])) continue;
      const port = rule.ports.findIndex((rulePort) => clusterPortMatches(rulePort, target, destination));
      if (rule.ports.length > 0 && port < 0) continue;
      const peerIndex = rule.peers.findIndex((rulePeer) => test(policy, rulePeer, peer));
      if (peerIndex < 0) continue;
      best = {
        tier,
        policy: policy.metadata.name,
        priority: policy.priority,
        rule: r,
        ...(rule.name ? { ruleName: rule.name } : {}),
        action: rule.action,
        peer: peerIndex,
        ...(rule.ports.length > 0 ? { port } : {}),
      };
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
  peer: Endpoint,
  target: PortProtocol,
  test: PeerTest,
  explain: boolean,
  networkPolicies: () => SideVerdict | undefined,
): SideVerdict {
  const admin = decideTier(cluster, 'Admin', direction, subject.pod, peer, target, test);
  if (admin && admin.action !== 'Pass') return tierSide(direction, admin, [], subject, peer, target, explain);
  const passed = admin ? [admin] : [];
  const isolated = networkPolicies();
  if (isolated) return passedOn(isolated, passed, explain);
  const baseline = decideTier(cluster, 'Baseline', direction, subject.pod, peer, target, test);
  if (baseline && baseline.action !== 'Pass')
    return tierSide(direction, baseline, passed, subject, peer, target, explain);
  if (baseline) passed.push(baseline);
  return passedOn(openSide(direction, 'not-isolated', subject, explain), passed, explain);
}

/** The side a cluster rule decided (Accept or Deny). */
function tierSide(
  direction: PolicyType,
  match: TierRuleMatch,
  passed: readonly TierRuleMatch[],
  subject: Endpoint,
  peer: Endpoint,
  target: PortProtocol,
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
  const decided = `${word} ${verb} in the ${match.tier} tier by ${describeTierRule(match, word)} of ${endpointName(subject)}, which matches ${endpointName(peer)} on ${formatPortProtocol(target)}`;
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
