import type { PolicyType } from '../../server/kube/network-policy.ts';
import { keyOf } from '../../server/kube/object-meta.ts';
import type { EndpointInfo, PolicyEndpoint } from '../../server/kube/policy-endpoint.ts';
import { PROTOCOL_NUMBERS } from '../../server/kube/protocol.ts';
import { type Cidr, cidrWithin, formatCidr, parseCidr, parseIp } from '../../server/net/ip.ts';
import { MAX_PORT_RANGES, MODE, type Mode, type PortRange } from './layout.ts';

/** One direction of a pod as the kernel enforces it: the mode and the LPM trie's contents. */
export interface DirectionRules {
  readonly mode: Mode;
  /** Prefix (see {@link blockKey}) → the port ranges any covering rule allows. */
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

/** The rule id the kernel reports for flows a policy allowed: a stable 32-bit hash of `ns/name`, never 0. */
export function ruleIdOf(policyKey: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < policyKey.length; i++) {
    hash ^= policyKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash || 1;
}

interface Grant {
  readonly block: Cidr;
  readonly except: readonly Cidr[];
  readonly ranges: readonly PortRange[];
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
 * Whether a PolicyEndpoint lists the pod. The pod is named by namespace and name as well as IP,
 * so that a pod that gets the IP of a deleted one never inherits the deleted pod's entries while
 * the controller has not yet rewritten them.
 */
export function listsPod(endpoint: PolicyEndpoint, pod: PodIdentity): boolean {
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
 * What the kernel must hold for a pod, from the PolicyEndpoints that list it. A direction is
 * enforced when some PolicyEndpoint isolates the pod in it. An LPM trie returns only the longest
 * matching prefix, so each prefix (every cidr and every except) gets the union of the ranges of
 * all rules that cover it and do not except it; an except prefix that nothing else covers is
 * stored empty, which denies it. A direction whose rules the datapath cannot hold fails closed
 * (deny-all, with the reason); the other direction is still enforced as written.
 */
export function compilePodRules(pod: PodIdentity, endpoints: readonly PolicyEndpoint[]): PodRules {
  const mine = endpoints.filter((endpoint) => listsPod(endpoint, pod));
  return { ingress: compileDirection(mine, 'Ingress'), egress: compileDirection(mine, 'Egress') };
}

/** A direction closed because of `failure`. */
export function closedDirection(failure: string): DirectionRules {
  return { mode: MODE.denyAll, prefixes: new Map(), failure };
}

function compileDirection(endpoints: readonly PolicyEndpoint[], direction: PolicyType): DirectionRules {
  const isolating = endpoints.filter((endpoint) => endpoint.spec.podIsolation?.includes(direction));
  if (isolating.length === 0) return { mode: MODE.allowAll, prefixes: new Map() };
  try {
    // Only policies that isolate the pod in this direction speak for it: upstream ignores the egress
    // rules of a policy whose policyTypes lack Egress, though AWS's controller still writes them.
    return { mode: MODE.enforce, prefixes: compilePrefixes(isolating, direction) };
  } catch (error) {
    if (error instanceof CompileError) return closedDirection(error.message);
    throw error;
  }
}

function compilePrefixes(endpoints: readonly PolicyEndpoint[], direction: PolicyType) {
  const field = direction === 'Ingress' ? 'ingress' : 'egress';
  const grants = endpoints.flatMap((endpoint) => {
    const ruleId = ruleIdOf(keyOf(endpoint.spec.policyRef));
    const entries = endpoint.spec[field] ?? [];
    return entries.map((entry, i) =>
      grantOf(entry, ruleId, `PolicyEndpoint ${keyOf(endpoint.metadata)}: spec.${field}[${i}]`),
    );
  });
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
    const applying = covering.filter((grant) => !grant.except.some((except) => cidrWithin(block, except)));
    const ranges = fitRanges(applying.flatMap((grant) => grant.ranges));
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

function grantOf(entry: EndpointInfo, ruleId: number, source: string): Grant {
  const block = parseAddress(entry.cidr, `${source}.cidr`);
  const except = (entry.except ?? []).map((text, i) => parseAddress(text, `${source}.except[${i}]`));
  const ports = entry.ports ?? [];
  const ranges: PortRange[] =
    ports.length === 0
      ? [{ ruleId, start: 0, end: 65535, protocol: 0 }]
      : ports.map((port) => ({
          ruleId,
          start: port.port ?? 0,
          end: port.endPort ?? port.port ?? 65535,
          protocol: PROTOCOL_NUMBERS[port.protocol],
        }));
  return { block, except, ranges, source };
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
  for (let prefix = bits; prefix >= 0; prefix--) {
    const entry = rules.prefixes.get(
      blockKey(truncate({ family: ip.family, network: ip.value, prefix: bits }, prefix)),
    );
    if (!entry) continue;
    return entry.ranges.some(
      (range) =>
        (range.protocol === 0 || range.protocol === protocol) && port >= range.start && port <= range.end,
    );
  }
  return false;
}
