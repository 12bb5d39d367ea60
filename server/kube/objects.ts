import type { ClusterObject } from '../policy/cluster.ts';
import { isObject, type Json, optionalString } from './decode.ts';
import { FieldError } from './field-error.ts';
import { decodeNamespace } from './namespace.ts';
import { decodeNetworkPolicy } from './network-policy.ts';
import { decodePod } from './pod.ts';
import { decodePolicyEndpoint } from './policy-endpoint.ts';

const DECODERS: Record<ClusterObject['kind'], (raw: Json) => ClusterObject> = {
  Namespace: decodeNamespace,
  Pod: decodePod,
  NetworkPolicy: decodeNetworkPolicy,
  PolicyEndpoint: decodePolicyEndpoint,
};

/** `Kind ns/name` of a raw object, for messages; falls back to what is known. */
export function nameOfRaw(raw: Json): string {
  const kind = typeof raw.kind === 'string' ? raw.kind : 'object';
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '<unnamed>';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  const namespaced = kind !== 'Namespace';
  return `${kind} ${namespaced ? `${namespace ?? 'default'}/` : ''}${name}`;
}

/** Whether Palisade reads objects of this kind (others, like Services, are passed over). */
export function isClusterKind(kind: unknown): kind is ClusterObject['kind'] {
  return typeof kind === 'string' && Object.hasOwn(DECODERS, kind);
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
      `unsupported kind ${JSON.stringify(kind)}: expected one of ${Object.keys(DECODERS).join(', ')}`,
    ).inObject(nameOfRaw(raw));
  }
  try {
    return DECODERS[kind](raw);
  } catch (error) {
    if (error instanceof FieldError) throw error.inObject(nameOfRaw(raw));
    throw error;
  }
}
