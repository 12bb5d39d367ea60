import {
  CLUSTER_ACTIONS,
  CLUSTER_POLICY_API_VERSION,
  CLUSTER_TIERS,
  type ClusterAction,
  type ClusterTier,
} from './cluster-network-policy.ts';
import { integer, type Json, list, object, quoted, string } from './decode.ts';
import { FieldError } from './field-error.ts';
import { Interned } from './interned.ts';
import { decodeObjectMeta, type ObjectMeta } from './object-meta.ts';
import {
  decodeEndpointPorts,
  decodePodEndpoints,
  type EndpointPort,
  endpointPorts,
  type PodEndpoint,
  portKey,
} from './policy-endpoint.ts';

/** One address entry of a ClusterPolicyEndpoint: an address (a pod IP without prefix, or a CIDR), its ports, and the rule's action. */
export interface ClusterEndpointInfo {
  readonly cidr: string;
  /** Absent: every port. */
  readonly ports?: readonly EndpointPort[];
  readonly action: ClusterAction;
}

/** The spec of AWS's networking.k8s.aws/v1alpha1 ClusterPolicyEndpoint. */
export interface ClusterPolicyEndpointSpec {
  /** The ClusterNetworkPolicy it was computed from. */
  readonly policyRef: { readonly name: string };
  readonly tier: ClusterTier;
  readonly priority: number;
  /** The pods the policy's subject selects. */
  readonly podSelectorEndpoints?: readonly PodEndpoint[];
  readonly ingress?: readonly ClusterEndpointInfo[];
  readonly egress?: readonly ClusterEndpointInfo[];
}

/** A ClusterPolicyEndpoint (cluster-scoped): what node agents enforce for one ClusterNetworkPolicy, or one chunk of it. */
export interface ClusterPolicyEndpoint {
  readonly apiVersion: typeof CLUSTER_POLICY_API_VERSION;
  readonly kind: 'ClusterPolicyEndpoint';
  readonly metadata: ObjectMeta & {
    readonly ownerReferences?: readonly { apiVersion: string; kind: string; name: string; uid?: string }[];
  };
  readonly spec: ClusterPolicyEndpointSpec;
}

const entries = new Interned<ClusterEndpointInfo>();

/** An entry in its one shared form (as {@link endpointInfo} for PolicyEndpoints): no ports, every port. */
export function clusterEndpointInfo(
  cidr: string,
  action: ClusterAction,
  ports: readonly EndpointPort[] = [],
): ClusterEndpointInfo {
  const shared = ports.length > 0 ? endpointPorts(ports) : undefined;
  const key = JSON.stringify([cidr, action, shared ? shared.map(portKey).join(' ') : '']);
  return entries.of(key, () => ({ cidr, ...(shared ? { ports: shared } : {}), action }));
}

/** Reads a ClusterPolicyEndpoint, ours or AWS's controller's (fields Palisade does not use are passed over). */
export function decodeClusterPolicyEndpoint(raw: Json): ClusterPolicyEndpoint {
  const metadata = decodeObjectMeta(raw.metadata, false);
  const spec = object(raw.spec, 'spec');
  const ref = object(spec.policyRef, 'spec.policyRef');
  const tier = string(spec.tier, 'spec.tier');
  if (!(CLUSTER_TIERS as readonly string[]).includes(tier))
    throw new FieldError('spec.tier', `unsupported tier ${quoted(tier)}: must be Admin or Baseline`);
  const entriesOf = (field: 'ingress' | 'egress') =>
    list(spec[field], `spec.${field}`).map((item, i) => decodeEntry(item, `spec.${field}[${i}]`));
  return {
    apiVersion: CLUSTER_POLICY_API_VERSION,
    kind: 'ClusterPolicyEndpoint',
    metadata,
    spec: {
      policyRef: { name: string(ref.name, 'spec.policyRef.name') },
      tier: tier as ClusterTier,
      priority: integer(spec.priority, 'spec.priority'),
      podSelectorEndpoints: decodePodEndpoints(spec.podSelectorEndpoints, 'spec.podSelectorEndpoints'),
      ingress: entriesOf('ingress'),
      egress: entriesOf('egress'),
    },
  };
}

function decodeEntry(value: unknown, path: string): ClusterEndpointInfo {
  const raw = object(value, path);
  if (raw.domainName !== undefined && raw.domainName !== '')
    throw new FieldError(`${path}.domainName`, 'is not supported by Palisade: only address entries are read');
  const action = string(raw.action, `${path}.action`);
  if (!(CLUSTER_ACTIONS as readonly string[]).includes(action))
    throw new FieldError(
      `${path}.action`,
      `unsupported action ${quoted(action)}: must be Accept, Deny or Pass`,
    );
  return clusterEndpointInfo(
    string(raw.cidr, `${path}.cidr`),
    action as ClusterAction,
    decodeEndpointPorts(raw.ports, `${path}.ports`),
  );
}
