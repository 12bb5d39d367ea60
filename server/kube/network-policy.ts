import { type Cidr, cidrWithin, parseCidr } from '../net/ip.ts';
import { integer, type Json, list, object, optionalObject, quoted, string } from './decode.ts';
import { FieldError } from './field-error.ts';
import { decodeLabelSelector, decodeOptionalLabelSelector, type LabelSelector } from './label-selector.ts';
import { portNameProblem } from './names.ts';
import { decodeObjectMeta, type ObjectMeta } from './object-meta.ts';
import { decodeProtocol, type Protocol } from './protocol.ts';

export const POLICY_TYPES = ['Ingress', 'Egress'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** A CIDR with exceptions (`ipBlock`), kept as written and parsed. */
export interface IpBlock {
  readonly cidr: string;
  readonly except: readonly string[];
  readonly block: Cidr;
  readonly exceptBlocks: readonly Cidr[];
}

/**
 * One peer of a rule. With only `podSelector`: pods in the policy's namespace. With only
 * `namespaceSelector`: every pod in the selected namespaces. With both: the selected pods in the
 * selected namespaces. `ipBlock` stands alone.
 */
export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IpBlock;
}

/** A port of a rule; no `port` means every port of the protocol. */
export interface NetworkPolicyPort {
  readonly protocol: Protocol;
  /** A number, or the name of a container port on the destination pod. */
  readonly port?: number | string;
  /** With a numeric `port`: the last port of the range `port..endPort`. */
  readonly endPort?: number;
}

/** An ingress (`from`) or egress (`to`) rule. Empty `peers` matches every peer; empty `ports` every port. */
export interface NetworkPolicyRule {
  readonly peers: readonly NetworkPolicyPeer[];
  readonly ports: readonly NetworkPolicyPort[];
}

/** A networking.k8s.io/v1 NetworkPolicy, validated and with `policyTypes` defaulted. */
export interface NetworkPolicy {
  readonly kind: 'NetworkPolicy';
  readonly metadata: ObjectMeta;
  /** The pods, in the policy's namespace, the policy applies to; `{}` is all of them. */
  readonly podSelector: LabelSelector;
  /**
   * The directions the policy isolates its pods in. When the input leaves it out: Ingress, plus
   * Egress when the policy has egress rules (the API server's defaulting).
   */
  readonly policyTypes: readonly PolicyType[];
  readonly ingress: readonly NetworkPolicyRule[];
  readonly egress: readonly NetworkPolicyRule[];
}

export function decodeNetworkPolicy(raw: Json): NetworkPolicy {
  const metadata = decodeObjectMeta(raw.metadata, true);
  const spec = object(raw.spec ?? {}, 'spec');
  // The API server takes a policy with no podSelector as one with `{}`: every pod of its namespace.
  const podSelector = decodeLabelSelector(spec.podSelector ?? {}, 'spec.podSelector');
  const ingress = list(spec.ingress, 'spec.ingress').map((rule, i) =>
    decodeRule(rule, `spec.ingress[${i}]`, 'from'),
  );
  const egress = list(spec.egress, 'spec.egress').map((rule, i) =>
    decodeRule(rule, `spec.egress[${i}]`, 'to'),
  );
  return {
    kind: 'NetworkPolicy',
    metadata,
    podSelector,
    policyTypes: decodePolicyTypes(spec, egress),
    ingress,
    egress,
  };
}

function decodePolicyTypes(spec: Json, egress: readonly NetworkPolicyRule[]): PolicyType[] {
  const given = list(spec.policyTypes, 'spec.policyTypes').map((item, i) => {
    const path = `spec.policyTypes[${i}]`;
    const value = string(item, path);
    if (!(POLICY_TYPES as readonly string[]).includes(value)) {
      throw new FieldError(path, `unsupported policy type ${quoted(value)}: must be Ingress or Egress`);
    }
    return value as PolicyType;
  });
  // As the API server: a type may come twice (it means what it does once), but not three types.
  if (given.length > 2) throw new FieldError('spec.policyTypes', 'may not specify more than two policyTypes');
  if (given.length > 0) return [...new Set(given)];
  return egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function decodeRule(value: unknown, path: string, peersField: 'from' | 'to'): NetworkPolicyRule {
  const raw = object(value ?? {}, path);
  return {
    peers: list(raw[peersField], `${path}.${peersField}`).map((peer, i) =>
      decodePeer(peer, `${path}.${peersField}[${i}]`),
    ),
    ports: list(raw.ports, `${path}.ports`).map((port, i) => decodePort(port, `${path}.ports[${i}]`)),
  };
}

function decodePeer(value: unknown, path: string): NetworkPolicyPeer {
  const raw = object(value, path);
  const podSelector = decodeOptionalLabelSelector(raw.podSelector, `${path}.podSelector`);
  const namespaceSelector = decodeOptionalLabelSelector(raw.namespaceSelector, `${path}.namespaceSelector`);
  const rawBlock = optionalObject(raw.ipBlock, `${path}.ipBlock`);
  if (rawBlock && (podSelector || namespaceSelector)) {
    throw new FieldError(path, 'may not specify ipBlock together with podSelector or namespaceSelector');
  }
  if (!rawBlock && !podSelector && !namespaceSelector) {
    throw new FieldError(path, 'must specify one of podSelector, namespaceSelector or ipBlock');
  }
  if (rawBlock) return { ipBlock: decodeIpBlock(rawBlock, `${path}.ipBlock`) };
  return { podSelector, namespaceSelector };
}

function decodeIpBlock(raw: Json, path: string): IpBlock {
  const cidr = string(raw.cidr, `${path}.cidr`);
  const block = parseCidr(cidr);
  if (!block) throw new FieldError(`${path}.cidr`, `invalid CIDR ${quoted(cidr)}`);
  const except = list(raw.except, `${path}.except`).map((item, i) => string(item, `${path}.except[${i}]`));
  const exceptBlocks = except.map((text, i) => {
    const field = `${path}.except[${i}]`;
    const parsed = parseCidr(text);
    if (!parsed) throw new FieldError(field, `invalid CIDR ${quoted(text)}`);
    if (!cidrWithin(parsed, block) || parsed.prefix === block.prefix) {
      throw new FieldError(field, `${quoted(text)} must be a strict subset of cidr ${quoted(cidr)}`);
    }
    return parsed;
  });
  return { cidr, except, block, exceptBlocks };
}

function decodePort(value: unknown, path: string): NetworkPolicyPort {
  const raw = object(value, path);
  const protocol = decodeProtocol(raw.protocol, `${path}.protocol`);
  let port: number | string | undefined;
  if (typeof raw.port === 'string') {
    const problem = portNameProblem(raw.port);
    if (problem) throw new FieldError(`${path}.port`, `invalid port name ${quoted(raw.port)}: ${problem}`);
    port = raw.port;
  } else if (raw.port !== undefined && raw.port !== null) {
    port = integer(raw.port, `${path}.port`);
    if (port < 1 || port > 65535)
      throw new FieldError(`${path}.port`, `must be between 1 and 65535, got ${port}`);
  }
  if (raw.endPort === undefined || raw.endPort === null) return { protocol, port };
  const endPort = integer(raw.endPort, `${path}.endPort`);
  if (port === undefined) throw new FieldError(`${path}.endPort`, 'may not be specified without port');
  if (typeof port === 'string')
    throw new FieldError(`${path}.endPort`, 'may not be specified when port is a name');
  if (endPort < port)
    throw new FieldError(`${path}.endPort`, `must be at least port (${port}), got ${endPort}`);
  if (endPort > 65535) throw new FieldError(`${path}.endPort`, `must be between 1 and 65535, got ${endPort}`);
  return { protocol, port, endPort };
}
