import { CLUSTER_POLICY_API_VERSION } from './cluster-network-policy.ts';
import { isObject, type Json, quoted, shortened } from './decode.ts';
import { FieldError } from './field-error.ts';
import { nearestName } from './nearest-name.ts';

/**
 * The fields of a policy someone wrote, as the API server knows them, to refuse the ones it does
 * not (kubectl's strict field validation): a typo such as `ingres` would otherwise be dropped
 * without a word, and the policy would deny what its rule was meant to allow.
 *
 * A shape is `true` (anything goes below: metadata's parts, a label map), an object of the fields
 * allowed, or a one-item list for a list of that shape.
 */
type Shape = true | readonly [Shape] | { readonly [field: string]: Shape };

const SELECTOR: Shape = {
  matchLabels: true,
  matchExpressions: [{ key: true, operator: true, values: true }],
};

/** ObjectMeta as the API server gives it back (an editor may hold a policy read from the cluster). */
const METADATA: Shape = Object.fromEntries(
  [
    'name',
    'generateName',
    'namespace',
    'selfLink',
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'labels',
    'annotations',
    'ownerReferences',
    'finalizers',
    'managedFields',
  ].map((field) => [field, true]),
);

const NETWORK_POLICY_PEER: Shape = {
  podSelector: SELECTOR,
  namespaceSelector: SELECTOR,
  ipBlock: { cidr: true, except: true },
};
const NETWORK_POLICY_PORT: Shape = { protocol: true, port: true, endPort: true };

const NETWORK_POLICY: Shape = {
  apiVersion: true,
  kind: true,
  metadata: METADATA,
  spec: {
    podSelector: SELECTOR,
    policyTypes: true,
    ingress: [{ from: [NETWORK_POLICY_PEER], ports: [NETWORK_POLICY_PORT] }],
    egress: [{ to: [NETWORK_POLICY_PEER], ports: [NETWORK_POLICY_PORT] }],
  },
  status: true,
};

const CLUSTER_PODS: Shape = { namespaceSelector: SELECTOR, podSelector: SELECTOR };
const CLUSTER_PORT: Shape = {
  portNumber: { protocol: true, port: true },
  portRange: { protocol: true, start: true, end: true },
  namedPort: true,
};
const clusterRule = (peers: 'from' | 'to'): Shape => ({
  name: true,
  action: true,
  [peers]: [
    {
      namespaces: SELECTOR,
      pods: CLUSTER_PODS,
      ...(peers === 'to' ? { networks: true, domainNames: true } : {}),
    },
  ],
  ports: [CLUSTER_PORT],
});

const CLUSTER_NETWORK_POLICY: Shape = {
  apiVersion: true,
  kind: true,
  metadata: METADATA,
  spec: {
    tier: true,
    priority: true,
    subject: { namespaces: SELECTOR, pods: CLUSTER_PODS },
    ingress: [clusterRule('from')],
    egress: [clusterRule('to')],
  },
  status: true,
};

/** The policies whose fields are checked, with the apiVersion each must give. */
const POLICIES: Readonly<Record<string, { readonly apiVersion: string; readonly shape: Shape }>> = {
  NetworkPolicy: { apiVersion: 'networking.k8s.io/v1', shape: NETWORK_POLICY },
  ClusterNetworkPolicy: { apiVersion: CLUSTER_POLICY_API_VERSION, shape: CLUSTER_NETWORK_POLICY },
};

/**
 * Whether an object is another product's kind of the same name, such as Calico's
 * projectcalico.org/v3 NetworkPolicy: its apiVersion is GROUP/VERSION with a group (a domain, so
 * with a dot) other than Palisade's. `v1`, an empty one or a group with no dot is a mistake,
 * refused rather than passed over.
 */
export function isOtherGroup(raw: Json): boolean {
  const policy = typeof raw.kind === 'string' ? POLICIES[raw.kind] : undefined;
  if (!policy || typeof raw.apiVersion !== 'string') return false;
  const [group = '', version] = raw.apiVersion.split('/');
  return version !== undefined && group.includes('.') && group !== policy.apiVersion.split('/')[0];
}

/**
 * Refuses a NetworkPolicy or ClusterNetworkPolicy that names an apiVersion other than its kind's
 * (one that names none is taken as its kind's), or that has a field its kind does not have (the
 * error names it, and the field meant when it is a typo). Other kinds pass.
 */
export function checkKnownFields(raw: Json): void {
  const policy = typeof raw.kind === 'string' ? POLICIES[raw.kind] : undefined;
  if (!policy) return;
  if (raw.apiVersion !== undefined && raw.apiVersion !== null && raw.apiVersion !== policy.apiVersion)
    throw new FieldError('apiVersion', `must be ${policy.apiVersion}, got ${quoted(raw.apiVersion)}`);
  walk(raw, policy.shape, '');
}

function walk(value: unknown, shape: Shape, path: string): void {
  if (shape === true) return;
  if (isList(shape)) {
    if (Array.isArray(value))
      value.forEach((item, i) => {
        walk(item, shape[0], `${path}[${i}]`);
      });
    return;
  }
  // A value of the wrong type is the decoder's to name.
  if (!isObject(value)) return;
  for (const [field, item] of Object.entries(value)) {
    // A field's name is the input's: a megabyte of it is shown by its start.
    const at = path ? `${path}.${shortened(field)}` : shortened(field);
    const known = Object.hasOwn(shape, field) ? shape[field] : undefined;
    if (known === undefined) throw new FieldError(at, unknownField(field, Object.keys(shape)));
    walk(item, known, at);
  }
}

const isList = (shape: Shape): shape is readonly [Shape] => Array.isArray(shape);

function unknownField(field: string, known: readonly string[]): string {
  const near = nearestName(field, known, 2);
  return `unknown field${near ? ` (did you mean ${near}?)` : `: known fields here are ${known.join(', ')}`}`;
}
