import type { Json } from '../server/kube/decode.ts';
import type { UnreadableEndpoint } from './node-source.ts';

const DIRECTIONS = ['Ingress', 'Egress'] as const;

/**
 * What can still be made out of a PolicyEndpoint or ClusterPolicyEndpoint that does not decode, so
 * that the pods it may isolate fail closed rather than open: the pods it lists (when every listed
 * pod has a namespace and a name; otherwise every pod of its namespace, or of the node) and the
 * directions it isolates (both, when `podIsolation` cannot be read or there is none).
 */
export function unreadableEndpoint(
  kind: UnreadableEndpoint['kind'],
  key: string,
  reason: string,
  raw: Json,
): UnreadableEndpoint {
  const spec = (typeof raw.spec === 'object' && raw.spec !== null ? raw.spec : {}) as Record<string, unknown>;
  const listed = spec.podSelectorEndpoints;
  const pods =
    Array.isArray(listed) &&
    listed.every(
      (item) =>
        typeof item === 'object' &&
        item !== null &&
        typeof (item as Json).namespace === 'string' &&
        typeof (item as Json).name === 'string',
    )
      ? listed.map((item) => `${(item as Json).namespace}/${(item as Json).name}`)
      : undefined;
  const isolation = spec.podIsolation;
  const directions =
    Array.isArray(isolation) && isolation.every((item) => DIRECTIONS.includes(item))
      ? (isolation as UnreadableEndpoint['directions'])
      : DIRECTIONS;
  return { kind, key, reason, ...(pods ? { pods } : {}), directions };
}
