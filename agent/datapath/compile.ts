import { ACTION_PRECEDENCE, type ClusterAction } from '../../server/kube/cluster-network-policy.ts';
import type { ClusterPolicyEndpoint } from '../../server/kube/cluster-policy-endpoint.ts';
import type { PolicyType } from '../../server/kube/network-policy.ts';
import { keyOf } from '../../server/kube/object-meta.ts';
import type { EndpointPort, PolicyEndpoint } from '../../server/kube/policy-endpoint.ts';
import { PROTOCOL_NUMBERS } from '../../server/kube/protocol.ts';
import { type Cidr, cidrWithin, formatCidr, parseCidr, parseIp } from '../../server/net/ip.ts';
import { ACTION, type Action, MAX_PORT_RANGES, MODE, type Mode, type PortRange, TIER } from './layout.ts';

/** One direction of a pod as the kernel enforces it: the mode and the LPM trie's contents. */
export interface DirectionRules {
  readonly mode: Mode;
  /** Prefix (see {@link blockKey}) → the port ranges of every rule covering it, in the order they are tried. */
  readonly prefixes: ReadonlyMap<string, { readonly block: Cidr; readonly ranges: readonly PortRange[] }>;
  /**
   * Why the direction is closed (deny-all) instead of enforcing its PolicyEndpoints: the
   * PolicyEndpoint and field the datapath cannot hold or the agent cannot read.
   */
  readonly failure?: string;
}

/** Which pod rules are compiled for: PolicyEndpoints name pods by namespace, name and IP. */
export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  /** Every IP of the pod (`status.podIPs`), one per family. */
  readonly ips: readonly string[];
}

export interface PodRules {
  readonly ingress: DirectionRules;
  readonly egress: DirectionRules;
}

/**
 * The rule id the kernel reports for flows a policy decided: a stable 32-bit hash of a
 * NetworkPolicy's `ns/name` or a ClusterNetworkPolicy's name, never 0.
 */
export function ruleIdOf(policyKey: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < policyKey.length; i++) {
    hash ^= policyKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash || 1;
}

/** The keys the rule ids of these endpoints are made of (see {@link ruleIdOf}), one per policy. */
export function policyKeys(
  endpoints: readonly PolicyEndpoint[],
  clusterEndpoints: readonly ClusterPolicyEndpoint[],
): Set<string> {
  return new Set([
    ...endpoints.map((endpoint) => keyOf(endpoint.spec.policyRef)),
    ...clusterEndpoints.map(clusterPolicyOf),
  ]);
}

/** Addresses, and what their ports get: one PolicyEndpoint or ClusterPolicyEndpoint entry. */
interface Grant {
  readonly block: Cidr;
  readonly except: readonly Cidr[];
  readonly ranges: readonly PortRange[];
  /** Where the ranges go in the order they are tried: by tier, then priority, then action, then policy. */
  readonly rank: readonly [number, number, number, string];
  /** `PolicyEndpoint ns/name: spec.ingress[i]`, for errors. */
  readonly source: string;
}

/** A pod's identity from its key (`ns/name`) and IPs. */
export function identityOf(key: string, ips: readonly string[]): PodIdentity {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name, ips };
}

/** A rule set the datapath cannot hold; the message names the PolicyEndpoint and field. */
export class CompileError extends Error {}

/**
 * Whether an endpoint (PolicyEndpoint or ClusterPolicyEndpoint) lists the pod. The pod is named
 * by namespace and name as well as IP, so that a pod that gets the IP of a deleted one never
 * inherits the deleted pod's entries while the controller has not yet rewritten them.
 */
export function listsPod(endpoint: PolicyEndpoint | ClusterPolicyEndpoint, pod: PodIdentity): boolean {
  return (
    endpoint.spec.podSelectorEndpoints?.some(
      (listed) =>
        pod.ips.includes(listed.podIP) &&
        (!listed.name || listed.name === pod.name) &&
        (!listed.namespace || listed.namespace === pod.namespace),
    ) ?? false
  );
}

/**
 * The endpoints of the policies that apply to the pod: every chunk of a policy of which some
 * chunk lists the pod, as the controller spreads one policy's lists over chunks independently.
 */
function policiesOf<T extends PolicyEndpoint | ClusterPolicyEndpoint>(
  endpoints: readonly T[],
  pod: PodIdentity,
  policyOf: (endpoint: T) => string,
): T[] {
  const applying = new Set(endpoints.filter((endpoint) => listsPod(endpoint, pod)).map(policyOf));
  return endpoints.filter((endpoint) => applying.has(policyOf(endpoint)));
}

const clusterPolicyOf = (endpoint: ClusterPolicyEndpoint) => endpoint.spec.policyRef.name;

/**
 * What the kernel must hold for a pod, from the PolicyEndpoints and ClusterPolicyEndpoints of the
 * policies that apply to it. Per direction, each prefix (every cidr and every except) gets the
 * ranges of all rules that cover it and do not except it (an LPM trie returns only the longest
 * matching prefix), in the order they are tried: the Admin tier by priority, Deny before Pass
 * before Accept at equal priority; then the NetworkPolicies' ranges when one isolates the pod,
 * what they do not allow denied; else the Baseline tier, what it does not decide passing. A
 * direction whose rules the datapath cannot hold fails closed (deny-all, with the reason); the
 * other direction is still enforced as written.
 */
export function compilePodRules(
  pod: PodIdentity,
  endpoints: readonly PolicyEndpoint[],
  clusterEndpoints: readonly ClusterPolicyEndpoint[] = [],
): PodRules {
  const mine = policiesOf(endpoints, pod, (endpoint) => keyOf(endpoint.spec.policyRef));
  const cluster = policiesOf(clusterEndpoints, pod, clusterPolicyOf);
  return {
    ingress: compileDirection(mine, cluster, 'Ingress'),
    egress: compileDirection(mine, cluster, 'Egress'),
  };
}

/** A direction closed because of `failure`. */
export function closedDirection(failure: string): DirectionRules {
  return { mode: MODE.denyAll, prefixes: new Map(), failure };
}

const ACTIONS: Record<ClusterAction, Action> = { Deny: ACTION.deny, Pass: ACTION.pass, Accept: ACTION.allow };

function compileDirection(
  endpoints: readonly PolicyEndpoint[],
  clusterEndpoints: readonly ClusterPolicyEndpoint[],
  direction: PolicyType,
): DirectionRules {
  const field = direction === 'Ingress' ? 'ingress' : 'egress';
  // Only policies that isolate the pod in this direction speak for it: upstream ignores the egress
  // rules of a policy whose policyTypes lack Egress, though AWS's controller still writes them.
  const isolating = endpoints.filter((endpoint) => endpoint.spec.podIsolation?.includes(direction));
  const tiered = clusterEndpoints.filter(
    (endpoint) =>
      (endpoint.spec[field]?.length ?? 0) > 0 && (endpoint.spec.tier === 'Admin' || isolating.length === 0),
  );
  if (isolating.length === 0 && tiered.length === 0) return { mode: MODE.allowAll, prefixes: new Map() };
  try {
    const grants = [
      ...isolating.flatMap((endpoint) => networkPolicyGrants(endpoint, field)),
      ...tiered.flatMap((endpoint) => clusterGrants(endpoint, field)),
    ];
    return {
      mode: isolating.length > 0 ? MODE.enforce : MODE.enforceOpen,
      prefixes: compilePrefixes(grants),
    };
  } catch (error) {
    if (error instanceof CompileError) return closedDirection(error.message);
    throw error;
  }
}

function networkPolicyGrants(endpoint: PolicyEndpoint, field: 'ingress' | 'egress'): Grant[] {
  const ruleId = ruleIdOf(keyOf(endpoint.spec.policyRef));
  return (endpoint.spec[field] ?? []).map((entry, i) => {
    const source = `PolicyEndpoint ${keyOf(endpoint.metadata)}: spec.${field}[${i}]`;
    return {
      block: parseAddress(entry.cidr, `${source}.cidr`),
      except: (entry.except ?? []).map((text, j) => parseAddress(text, `${source}.except[${j}]`)),
      ranges: rangesOf(entry.ports ?? [], ruleId, ACTION.allow, TIER.networkPolicy),
      rank: [TIER.networkPolicy, 0, 0, ''],
      source,
    };
  });
}

function clusterGrants(endpoint: ClusterPolicyEndpoint, field: 'ingress' | 'egress'): Grant[] {
  const { policyRef, tier, priority } = endpoint.spec;
  const ruleId = ruleIdOf(policyRef.name);
  const tierNumber = tier === 'Admin' ? TIER.admin : TIER.baseline;
  return (endpoint.spec[field] ?? []).map((entry, i) => {
    const source = `ClusterPolicyEndpoint ${endpoint.metadata.name}: spec.${field}[${i}]`;
    return {
      block: parseAddress(entry.cidr, `${source}.cidr`),
      except: [],
      ranges: rangesOf(entry.ports ?? [], ruleId, ACTIONS[entry.action], tierNumber),
      rank: [tierNumber, priority, ACTION_PRECEDENCE[entry.action], policyRef.name],
      source,
    };
  });
}

function rangesOf(ports: readonly EndpointPort[], ruleId: number, action: Action, tier: number): PortRange[] {
  if (ports.length === 0) return [{ ruleId, start: 0, end: 65535, protocol: 0, action, tier }];
  return ports.map((port) => ({
    ruleId,
    start: port.port ?? 0,
    end: port.endPort ?? port.port ?? 65535,
    protocol: PROTOCOL_NUMBERS[port.protocol],
    action,
    tier,
  }));
}

function compareRank(a: Grant, b: Grant): number {
  for (let i = 0; i < 3; i++) {
    const difference = (a.rank[i] as number) - (b.rank[i] as number);
    if (difference !== 0) return difference;
  }
  return a.rank[3] < b.rank[3] ? -1 : a.rank[3] > b.rank[3] ? 1 : 0;
}

function compilePrefixes(grants: readonly Grant[]) {
  // Index grants by (family, prefix length, network) so that covering grants are found per length.
  const byBlock = new Map<string, Grant[]>();
  const lengths = new Set<string>();
  for (const grant of grants) {
    const key = blockKey(grant.block);
    byBlock.set(key, [...(byBlock.get(key) ?? []), grant]);
    lengths.add(`${grant.block.family}:${grant.block.prefix}`);
  }
  const prefixes = new Map<string, { block: Cidr; ranges: PortRange[] }>();
  for (const block of grants.flatMap((grant) => [grant.block, ...grant.except])) {
    const key = blockKey(block);
    if (prefixes.has(key)) continue;
    const covering: Grant[] = [];
    for (const length of lengths) {
      const [family, prefix] = length.split(':').map(Number);
      if (family !== block.family || (prefix ?? 0) > block.prefix) continue;
      const outer = truncate(block, prefix ?? 0);
      covering.push(...(byBlock.get(blockKey(outer)) ?? []));
    }
    const applying = covering
      .filter((grant) => !grant.except.some((except) => cidrWithin(block, except)))
      .sort(compareRank);
    const ranges = [TIER.admin, TIER.networkPolicy, TIER.baseline].flatMap((tier) => {
      const own = applying.filter((grant) => grant.rank[0] === tier).flatMap((grant) => grant.ranges);
      return tier === TIER.networkPolicy ? fitRanges(own) : firstOfEach(own);
    });
    if (ranges.length > MAX_PORT_RANGES) {
      const own = applying.find((grant) => blockKey(grant.block) === key) ?? applying[0];
      throw new CompileError(
        `${own?.source}: ${formatCidr(block)} has ${ranges.length} distinct port ranges (with every rule covering it); the datapath holds ${MAX_PORT_RANGES}`,
      );
    }
    prefixes.set(key, { block, ranges });
  }
  return prefixes;
}

/** A tier's ranges in order without repeats: of two equal ranges, only the first can ever match. */
function firstOfEach(ranges: readonly PortRange[]): PortRange[] {
  const seen = new Set<string>();
  return ranges.filter((range) => {
    const key = `${range.protocol}:${range.start}:${range.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A cidr, or a bare address (how PolicyEndpoints write pod IPs) as a full-length prefix. */
function parseAddress(text: string, field: string): Cidr {
  const cidr = parseCidr(text);
  if (cidr) return cidr;
  const ip = parseIp(text);
  if (!ip) throw new CompileError(`${field}: invalid address ${JSON.stringify(text)}`);
  return { family: ip.family, network: ip.value, prefix: ip.family === 4 ? 32 : 128 };
}

function truncate(block: Cidr, prefix: number): Cidr {
  const bits = BigInt(block.family === 4 ? 32 : 128);
  const mask = ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
  return { family: block.family, network: block.network & mask, prefix };
}

export function blockKey(block: Cidr): string {
  return `${block.family}:${block.network.toString(16)}/${block.prefix}`;
}

/**
 * Deduplicates ranges; when more remain than the kernel value holds, ranges of one protocol that
 * overlap or touch are joined (keeping the first rule id), which admits exactly the same ports.
 * The caller fails the direction closed when even that leaves too many.
 */
function fitRanges(ranges: readonly PortRange[]): PortRange[] {
  const unique = [
    ...new Map(ranges.map((range) => [`${range.protocol}:${range.start}:${range.end}`, range])).values(),
  ];
  if (unique.length <= MAX_PORT_RANGES) return unique;
  const joined: PortRange[] = [];
  for (const range of [...unique].sort((a, b) => a.protocol - b.protocol || a.start - b.start)) {
    const last = joined.at(-1);
    if (last && last.protocol === range.protocol && range.start <= last.end + 1) {
      joined[joined.length - 1] = { ...last, end: Math.max(last.end, range.end) };
    } else {
      joined.push(range);
    }
  }
  return joined;
}

/** The kernel's verdict on a flow, computed from the same rules (used to re-check live flows). */
export function allows(rules: DirectionRules, peer: string, port: number, protocol: number): boolean {
  if (rules.mode === MODE.allowAll) return true;
  if (rules.mode === MODE.denyAll) return false;
  const ip = parseIp(peer);
  if (!ip) return false;
  const bits = ip.family === 4 ? 32 : 128;
  let ranges: readonly PortRange[] = [];
  for (let prefix = bits; prefix >= 0; prefix--) {
    const entry = rules.prefixes.get(
      blockKey(truncate({ family: ip.family, network: ip.value, prefix: bits }, prefix)),
    );
    if (!entry) continue;
    ranges = entry.ranges;
    break;
  }
  let passed: number = TIER.none;
  for (const range of ranges) {
    if (range.tier === passed) continue;
    if (range.protocol !== 0 && range.protocol !== protocol) continue;
    if (port < range.start || port > range.end) continue;
    if (range.action !== ACTION.pass) return range.action === ACTION.allow;
    passed = range.tier;
  }
  return rules.mode === MODE.enforceOpen;
}
