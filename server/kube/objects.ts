import type { ClusterObject } from '../policy/cluster.ts';
import { decodeClusterNetworkPolicy, encodeClusterNetworkPolicy } from './cluster-network-policy.ts';
import { decodeClusterPolicyEndpoint } from './cluster-policy-endpoint.ts';
import { isObject, type Json, optionalString, quoted, shortened } from './decode.ts';
import { FieldError } from './field-error.ts';
import { decodeNamespace } from './namespace.ts';
import { nearestName } from './nearest-name.ts';
import { decodeNetworkPolicy, type NetworkPolicyRule } from './network-policy.ts';
import { decodePod } from './pod.ts';
import { decodePolicyEndpoint } from './policy-endpoint.ts';
import { decodeService, encodeService } from './service.ts';

const DECODERS: Record<ClusterObject['kind'], (raw: Json) => ClusterObject> = {
  Namespace: decodeNamespace,
  Pod: decodePod,
  NetworkPolicy: decodeNetworkPolicy,
  PolicyEndpoint: decodePolicyEndpoint,
  Service: decodeService,
  ClusterNetworkPolicy: decodeClusterNetworkPolicy,
  ClusterPolicyEndpoint: decodeClusterPolicyEndpoint,
};

/** The kinds Palisade reads. */
export const READ_KINDS = Object.keys(DECODERS) as readonly ClusterObject['kind'][];

/** Kinds that live outside namespaces. */
const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  'Namespace',
  'ClusterNetworkPolicy',
  'ClusterPolicyEndpoint',
]);

/** `Kind ns/name` of a raw object, for messages; falls back to what is known. */
export function nameOfRaw(raw: Json): string {
  const kind = typeof raw.kind === 'string' ? shortened(raw.kind) : 'object';
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? shortened(meta.name) : '<unnamed>';
  const namespace = typeof meta.namespace === 'string' ? shortened(meta.namespace) : undefined;
  const namespaced = !CLUSTER_SCOPED.has(kind);
  return `${kind} ${namespaced ? `${namespace ?? 'default'}/` : ''}${name}`;
}

/** Whether Palisade reads objects of this kind (others, like Deployments, are passed over). */
export function isClusterKind(kind: unknown): kind is ClusterObject['kind'] {
  return typeof kind === 'string' && Object.hasOwn(DECODERS, kind);
}

/** The API groups of the kinds Palisade reads ('' is the core group, apiVersion `v1`). */
const READ_GROUPS: ReadonlySet<string> = new Set(['', 'networking.k8s.io', 'networking.k8s.aws']);

/**
 * The kind Palisade reads that an object's `kind` misspells, if any: the same letters in another
 * case (kinds are case-sensitive and kubectl never prints them otherwise), or, in a group of
 * Palisade's kinds (or with no apiVersion), up to two letters off a kind of seven letters or more
 * (`NetworkPolicyy`). Passed over, such an object's policy would be lost without a word. Shorter
 * kinds are near real ones (`Pod`, `Node`), so only their case is corrected.
 */
export function mistypedKind(raw: Json): ClusterObject['kind'] | undefined {
  const { kind, apiVersion } = raw;
  if (typeof kind !== 'string' || isClusterKind(kind)) return undefined;
  const miscased = nearestName(kind, READ_KINDS, 0);
  if (miscased) return miscased;
  const group =
    typeof apiVersion === 'string' && apiVersion.includes('/')
      ? apiVersion.slice(0, apiVersion.indexOf('/'))
      : '';
  if (!READ_GROUPS.has(group)) return undefined;
  return nearestName(
    kind,
    READ_KINDS.filter((known) => known.length >= 7),
    2,
  );
}

/**
 * Decodes one Kubernetes object of a kind Palisade reads, validating it as the API server would.
 * Errors name the object and the field.
 */
export function decodeObject(raw: Json): ClusterObject {
  const kind = optionalString(raw.kind, 'kind');
  if (!isClusterKind(kind)) {
    throw new FieldError(
      'kind',
      `unsupported kind ${quoted(kind)}: expected one of ${READ_KINDS.join(', ')}`,
    ).inObject(nameOfRaw(raw));
  }
  try {
    return DECODERS[kind](raw);
  } catch (error) {
    if (error instanceof FieldError) throw error.inObject(nameOfRaw(raw));
    throw error;
  }
}

/**
 * An object back in the form the Kubernetes API writes (what {@link decodeObject} reads), so that
 * stores and editors hold ordinary manifests. Fields Palisade does not model are not kept.
 */
export function encodeObject(object: ClusterObject): Json {
  const metadata = {
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    ...(Object.keys(object.metadata.labels).length > 0 ? { labels: object.metadata.labels } : {}),
    ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
  };
  switch (object.kind) {
    case 'Namespace':
      return { apiVersion: 'v1', kind: 'Namespace', metadata };
    case 'Pod':
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata,
        spec: {
          ...(object.nodeName ? { nodeName: object.nodeName } : {}),
          ...(object.hostNetwork ? { hostNetwork: true } : {}),
          containers: [{ name: 'main', ports: object.ports.map((port) => ({ ...port })) }],
        },
        status: {
          ...(object.podIP ? { podIP: object.podIP } : {}),
          ...(object.podIPs ? { podIPs: object.podIPs.map((ip) => ({ ip })) } : {}),
          ...(object.hostIP ? { hostIP: object.hostIP } : {}),
          ...(object.hostIPs ? { hostIPs: object.hostIPs.map((ip) => ({ ip })) } : {}),
          ...(object.phase ? { phase: object.phase } : {}),
        },
      };
    case 'NetworkPolicy': {
      const peers = (rule: NetworkPolicyRule) =>
        rule.peers.map((peer) =>
          peer.ipBlock
            ? {
                ipBlock: {
                  cidr: peer.ipBlock.cidr,
                  ...(peer.ipBlock.except.length > 0 ? { except: peer.ipBlock.except } : {}),
                },
              }
            : { ...peer },
        );
      const ports = (rule: NetworkPolicyRule) =>
        rule.ports.length > 0 ? { ports: rule.ports.map((port) => ({ ...port })) } : {};
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata,
        spec: {
          podSelector: object.podSelector,
          policyTypes: object.policyTypes,
          ...(object.ingress.length > 0
            ? { ingress: object.ingress.map((rule) => ({ from: peers(rule), ...ports(rule) })) }
            : {}),
          ...(object.egress.length > 0
            ? { egress: object.egress.map((rule) => ({ to: peers(rule), ...ports(rule) })) }
            : {}),
        },
      };
    }
    case 'PolicyEndpoint':
    case 'ClusterPolicyEndpoint':
      return JSON.parse(JSON.stringify(object));
    case 'Service':
      return encodeService(object, metadata);
    case 'ClusterNetworkPolicy':
      return encodeClusterNetworkPolicy(object, metadata);
  }
}
