import { parseCidr } from '../net/ip.ts';
import {
  integer,
  type Json,
  list,
  object,
  optionalObject,
  optionalString,
  quoted,
  string,
} from './decode.ts';
import { FieldError } from './field-error.ts';
import { decodeLabelSelector, type LabelSelector } from './label-selector.ts';
import { portNameProblem } from './names.ts';
import type { NetworkPolicyPeer } from './network-policy.ts';
import { decodeObjectMeta, type ObjectMeta } from './object-meta.ts';
import { decodeProtocol, type Protocol } from './protocol.ts';

/** The API version AWS's controller serves ClusterNetworkPolicy and ClusterPolicyEndpoint in. */
export const CLUSTER_POLICY_API_VERSION = 'networking.k8s.aws/v1alpha1';

/** The tiers a ClusterNetworkPolicy can sit in: Admin before NetworkPolicy, Baseline after it. */
export const CLUSTER_TIERS = ['Admin', 'Baseline'] as const;
export type ClusterTier = (typeof CLUSTER_TIERS)[number];

/**
 * What a rule does to the traffic it matches: Accept allows it and Deny denies it, both without
 * looking further; Pass leaves the tier (from Admin: on to NetworkPolicy; from Baseline: to the default, allow).
 */
export const CLUSTER_ACTIONS = ['Accept', 'Deny', 'Pass'] as const;
export type ClusterAction = (typeof CLUSTER_ACTIONS)[number];

/**
 * Among rules of equal priority (AWS's ClusterPolicyEndpoints keep no rule order), the most
 * restrictive action wins: Deny, then Pass, then Accept. The model and the kernel's rule order
 * both follow it.
 */
export const ACTION_PRECEDENCE: Record<ClusterAction, number> = { Deny: 0, Pass: 1, Accept: 2 };

/** The most and least precedence a priority gives (lower numbers win), as AWS's CRD bounds it. */
export const PRIORITY_RANGE = { min: 0, max: 1000 } as const;

/** A port of a rule: a number or range of one protocol, or a container port's name on the destination pod. */
export type ClusterPolicyPort =
  | { readonly protocol: Protocol; readonly port: number; readonly endPort?: number }
  | { readonly namedPort: string };

/** One ingress or egress rule, in the order written. */
export interface ClusterPolicyRule {
  /** The rule's `name`, when it has one (explanations name it). */
  readonly name?: string;
  readonly action: ClusterAction;
  /**
   * The peers, as NetworkPolicy peers mean them: `namespaces` is a peer with only a
   * namespaceSelector, `pods` one with both selectors, and each CIDR of `networks` an ipBlock.
   * Never empty.
   */
  readonly peers: readonly NetworkPolicyPeer[];
  /** Empty: every port. */
  readonly ports: readonly ClusterPolicyPort[];
}

/** A networking.k8s.aws/v1alpha1 ClusterNetworkPolicy (cluster-scoped), validated as its CRD validates it. */
export interface ClusterNetworkPolicy {
  readonly kind: 'ClusterNetworkPolicy';
  /** `namespace` is empty: the kind is cluster-scoped. */
  readonly metadata: ObjectMeta;
  readonly tier: ClusterTier;
  /** 0 to 1000; lower numbers are evaluated first within the tier. */
  readonly priority: number;
  /** The pods the policy applies to: a peer with a namespaceSelector, and a podSelector for `subject.pods`. */
  readonly subject: NetworkPolicyPeer & { readonly namespaceSelector: LabelSelector };
  readonly ingress: readonly ClusterPolicyRule[];
  readonly egress: readonly ClusterPolicyRule[];
}

const MAX_RULES = 100;
const MAX_PEERS = 100;
const MAX_PORTS = 100;
const MAX_NETWORKS = 25;

export function decodeClusterNetworkPolicy(raw: Json): ClusterNetworkPolicy {
  const metadata = decodeObjectMeta(raw.metadata, false);
  const apiVersion = optionalString(raw.apiVersion, 'apiVersion');
  if (apiVersion !== undefined && apiVersion !== CLUSTER_POLICY_API_VERSION)
    throw new FieldError(
      'apiVersion',
      `unsupported apiVersion ${quoted(apiVersion)}: Palisade reads AWS's ${CLUSTER_POLICY_API_VERSION} ClusterNetworkPolicy`,
    );
  const spec = object(raw.spec, 'spec');
  const tier = oneOf(spec.tier, 'spec.tier', CLUSTER_TIERS);
  if (spec.priority === undefined || spec.priority === null)
    throw new FieldError('spec.priority', `is required (${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max})`);
  const priority = integer(spec.priority, 'spec.priority');
  if (priority < PRIORITY_RANGE.min || priority > PRIORITY_RANGE.max)
    throw new FieldError(
      'spec.priority',
      `must be between ${PRIORITY_RANGE.min} and ${PRIORITY_RANGE.max}, got ${priority}`,
    );
  if (spec.subject === undefined || spec.subject === null)
    throw new FieldError('spec.subject', 'is required: set namespaces or pods');
  const subject = decodeSelectorPeer(spec.subject, 'spec.subject', ['namespaces', 'pods']);
  const rules = (field: 'ingress' | 'egress') => {
    const items = list(spec[field], `spec.${field}`);
    if (items.length > MAX_RULES)
      throw new FieldError(`spec.${field}`, `must have at most ${MAX_RULES} rules, got ${items.length}`);
    return items.map((rule, i) => decodeRule(rule, `spec.${field}[${i}]`, field));
  };
  return {
    kind: 'ClusterNetworkPolicy',
    metadata,
    tier,
    priority,
    subject: subject as ClusterNetworkPolicy['subject'],
    ingress: rules('ingress'),
    egress: rules('egress'),
  };
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (value === undefined || value === null)
    throw new FieldError(path, `is required: one of ${allowed.join(', ')}`);
  const text = string(value, path);
  if (!(allowed as readonly string[]).includes(text))
    throw new FieldError(path, `unsupported value ${quoted(text)}: must be one of ${allowed.join(', ')}`);
  return text as T;
}

/** The one field of an object that must have exactly one of `fields` set. */
function theOneField(raw: Json, path: string, fields: readonly string[]): string {
  const set = fields.filter((field) => raw[field] !== undefined && raw[field] !== null);
  const unknown = Object.keys(raw).filter((field) => !fields.includes(field));
  if (unknown.length > 0 && set.length === 0)
    throw new FieldError(
      `${path}.${unknown[0]}`,
      `is not supported here: set exactly one of ${fields.join(', ')}`,
    );
  if (set.length !== 1)
    throw new FieldError(
      path,
      `must set exactly one of ${fields.join(', ')}${set.length > 1 ? `, got ${set.join(' and ')}` : ''}`,
    );
  return set[0] as string;
}

/** `namespaces` or `pods` (a subject, or a peer of those kinds), as a NetworkPolicy peer. */
function decodeSelectorPeer(value: unknown, path: string, fields: readonly string[]): NetworkPolicyPeer {
  const raw = object(value, path);
  const field = theOneField(raw, path, fields);
  if (field === 'namespaces')
    return { namespaceSelector: decodeLabelSelector(raw.namespaces, `${path}.namespaces`) };
  const pods = object(raw.pods, `${path}.pods`);
  for (const selector of ['namespaceSelector', 'podSelector'])
    if (pods[selector] === undefined || pods[selector] === null)
      throw new FieldError(`${path}.pods.${selector}`, 'is required (use {} to select all)');
  return {
    namespaceSelector: decodeLabelSelector(pods.namespaceSelector, `${path}.pods.namespaceSelector`),
    podSelector: decodeLabelSelector(pods.podSelector, `${path}.pods.podSelector`),
  };
}

function decodeRule(value: unknown, path: string, direction: 'ingress' | 'egress'): ClusterPolicyRule {
  const raw = object(value, path);
  const name = optionalString(raw.name, `${path}.name`);
  if (name !== undefined && name.length > 100)
    throw new FieldError(`${path}.name`, `must be at most 100 characters, got ${name.length}`);
  const action = oneOf(raw.action, `${path}.action`, CLUSTER_ACTIONS);
  const peersField = direction === 'ingress' ? 'from' : 'to';
  const rawPeers = list(raw[peersField], `${path}.${peersField}`);
  if (rawPeers.length === 0)
    throw new FieldError(`${path}.${peersField}`, 'is required and must have at least one peer');
  if (rawPeers.length > MAX_PEERS)
    throw new FieldError(
      `${path}.${peersField}`,
      `must have at most ${MAX_PEERS} peers, got ${rawPeers.length}`,
    );
  const peers = rawPeers.flatMap((peer, i) => decodePeer(peer, `${path}.${peersField}[${i}]`, direction));
  let ports: ClusterPolicyPort[] = [];
  if (raw.ports !== undefined && raw.ports !== null) {
    const items = list(raw.ports, `${path}.ports`);
    if (items.length === 0 || items.length > MAX_PORTS)
      throw new FieldError(
        `${path}.ports`,
        `must have 1 to ${MAX_PORTS} ports when given (leave it out for every port), got ${items.length}`,
      );
    ports = items.map((port, i) => decodePort(port, `${path}.ports[${i}]`));
  }
  return { ...(name ? { name } : {}), action, peers, ports };
}

function decodePeer(value: unknown, path: string, direction: 'ingress' | 'egress'): NetworkPolicyPeer[] {
  const fields =
    direction === 'ingress' ? ['namespaces', 'pods'] : ['namespaces', 'pods', 'networks', 'domainNames'];
  const raw = object(value, path);
  const field = theOneField(raw, path, fields);
  if (field === 'domainNames')
    throw new FieldError(`${path}.domainNames`, 'is not supported by Palisade: use networks (CIDRs)');
  if (field !== 'networks') return [decodeSelectorPeer(raw, path, fields)];
  const networks = list(raw.networks, `${path}.networks`);
  if (networks.length === 0 || networks.length > MAX_NETWORKS)
    throw new FieldError(`${path}.networks`, `must have 1 to ${MAX_NETWORKS} CIDRs, got ${networks.length}`);
  const seen = new Set<string>();
  return networks.map((item, i) => {
    const field = `${path}.networks[${i}]`;
    const cidr = string(item, field);
    const block = cidr.length <= 43 ? parseCidr(cidr) : undefined;
    if (!block) throw new FieldError(field, `invalid CIDR ${quoted(cidr)}`);
    if (seen.has(cidr)) throw new FieldError(field, `repeats ${quoted(cidr)} (networks is a set)`);
    seen.add(cidr);
    return { ipBlock: { cidr, except: [], block, exceptBlocks: [] } };
  });
}

function decodePort(value: unknown, path: string): ClusterPolicyPort {
  const raw = object(value, path);
  const field = theOneField(raw, path, ['portNumber', 'portRange', 'namedPort']);
  const number = (value: unknown, at: string) => {
    if (value === undefined || value === null) throw new FieldError(at, 'is required (1 to 65535)');
    const port = integer(value, at);
    if (port < 1 || port > 65535) throw new FieldError(at, `must be between 1 and 65535, got ${port}`);
    return port;
  };
  if (field === 'namedPort') {
    const name = string(raw.namedPort, `${path}.namedPort`);
    const problem = portNameProblem(name);
    if (problem) throw new FieldError(`${path}.namedPort`, `invalid port name ${quoted(name)}: ${problem}`);
    return { namedPort: name };
  }
  if (field === 'portNumber') {
    const spec = object(raw.portNumber, `${path}.portNumber`);
    return {
      protocol: decodeProtocol(spec.protocol, `${path}.portNumber.protocol`),
      port: number(spec.port, `${path}.portNumber.port`),
    };
  }
  const spec = optionalObject(raw.portRange, `${path}.portRange`) ?? {};
  const start = number(spec.start, `${path}.portRange.start`);
  const end = number(spec.end, `${path}.portRange.end`);
  if (start >= end)
    throw new FieldError(`${path}.portRange`, `start (${start}) must be less than end (${end})`);
  return { protocol: decodeProtocol(spec.protocol, `${path}.portRange.protocol`), port: start, endPort: end };
}

/** The policy back in the form the API server holds (what {@link decodeClusterNetworkPolicy} reads). */
export function encodeClusterNetworkPolicy(policy: ClusterNetworkPolicy, metadata: Json): Json {
  const selectorPeer = (peer: NetworkPolicyPeer) =>
    peer.podSelector
      ? { pods: { namespaceSelector: peer.namespaceSelector ?? {}, podSelector: peer.podSelector } }
      : { namespaces: peer.namespaceSelector ?? {} };
  const port = (rulePort: ClusterPolicyPort) =>
    'namedPort' in rulePort
      ? { namedPort: rulePort.namedPort }
      : rulePort.endPort !== undefined
        ? { portRange: { protocol: rulePort.protocol, start: rulePort.port, end: rulePort.endPort } }
        : { portNumber: { protocol: rulePort.protocol, port: rulePort.port } };
  const rule = (peersField: 'from' | 'to') => (item: ClusterPolicyRule) => ({
    ...(item.name ? { name: item.name } : {}),
    action: item.action,
    [peersField]: encodePeers(item.peers, selectorPeer),
    ...(item.ports.length > 0 ? { ports: item.ports.map(port) } : {}),
  });
  return {
    apiVersion: CLUSTER_POLICY_API_VERSION,
    kind: 'ClusterNetworkPolicy',
    metadata,
    spec: {
      tier: policy.tier,
      priority: policy.priority,
      subject: selectorPeer(policy.subject),
      ...(policy.ingress.length > 0 ? { ingress: policy.ingress.map(rule('from')) } : {}),
      ...(policy.egress.length > 0 ? { egress: policy.egress.map(rule('to')) } : {}),
    },
  };
}

/**
 * A rule's peers as written: the model holds one peer per CIDR, which go back into `networks`
 * lists (consecutive CIDRs, at most MAX_NETWORKS a list, none twice), so that a valid policy's
 * peers never outnumber what the CRD allows.
 */
function encodePeers(
  peers: readonly NetworkPolicyPeer[],
  selectorPeer: (peer: NetworkPolicyPeer) => Json,
): Json[] {
  const encoded: Json[] = [];
  let networks: string[] | undefined;
  for (const peer of peers) {
    const cidr = peer.ipBlock?.cidr;
    if (cidr === undefined) {
      networks = undefined;
      encoded.push(selectorPeer(peer));
    } else if (networks && networks.length < MAX_NETWORKS && !networks.includes(cidr)) {
      networks.push(cidr);
    } else {
      networks = [cidr];
      encoded.push({ networks });
    }
  }
  return encoded;
}
