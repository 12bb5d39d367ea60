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
import { Interned } from './interned.ts';
import { decodeOptionalLabelSelector, type LabelSelector } from './label-selector.ts';
import { POLICY_TYPES, type PolicyType } from './network-policy.ts';
import { decodeObjectMeta, type ObjectMeta } from './object-meta.ts';
import { decodeProtocol, type Protocol } from './protocol.ts';

export const POLICY_ENDPOINT_API_VERSION = 'networking.k8s.aws/v1alpha1';

/** The NetworkPolicy a PolicyEndpoint was computed from. */
export interface PolicyReference {
  readonly name: string;
  readonly namespace: string;
}

/** A port of an endpoint entry: numeric only, named ports are resolved by the controller. */
export interface EndpointPort {
  readonly protocol: Protocol;
  /** Absent: every port of the protocol. */
  readonly port?: number;
  readonly endPort?: number;
}

/** One address entry: a pod IP (written without prefix) or an ipBlock, with the ports it may use. */
export interface EndpointInfo {
  readonly cidr: string;
  readonly except?: readonly string[];
  /** Absent or empty: every port. */
  readonly ports?: readonly EndpointPort[];
}

/** A pod the policy's `podSelector` selected. */
export interface PodEndpoint {
  readonly hostIP: string;
  readonly podIP: string;
  readonly name: string;
  readonly namespace: string;
}

/** The spec of a networking.k8s.aws/v1alpha1 PolicyEndpoint, in AWS's schema. */
export interface PolicyEndpointSpec {
  readonly policyRef: PolicyReference;
  readonly podSelector?: LabelSelector;
  readonly podSelectorEndpoints?: readonly PodEndpoint[];
  /** The directions the selected pods are isolated in (the policy's `policyTypes`). */
  readonly podIsolation?: readonly PolicyType[];
  readonly ingress?: readonly EndpointInfo[];
  readonly egress?: readonly EndpointInfo[];
}

const portLists = new Interned<readonly EndpointPort[]>();
const entries = new Interned<EndpointInfo>();
const podEndpoints = new Interned<PodEndpoint>();

/** A short text that is equal for equal ports. */
export const portKey = (port: EndpointPort) => `${port.protocol}:${port.port ?? ''}:${port.endPort ?? ''}`;

/** A list of ports in its one shared form (see {@link Interned}): in the order given, each port with only the fields it has. */
export function endpointPorts(ports: readonly EndpointPort[]): readonly EndpointPort[] {
  return portLists.of(ports.map(portKey).join(' '), () =>
    ports.map(({ protocol, port, endPort }) =>
      Object.freeze({
        protocol,
        ...(port !== undefined ? { port } : {}),
        ...(endPort !== undefined ? { endPort } : {}),
      }),
    ),
  );
}

/**
 * An address entry in its one shared form: ports as {@link endpointPorts}, an empty `except` or
 * `ports` left out (no ports: every port). Decoded and computed entries both come from here, so
 * equal entries are the same object.
 */
export function endpointInfo(
  cidr: string,
  except: readonly string[] = [],
  ports: readonly EndpointPort[] = [],
): EndpointInfo {
  const shared = ports.length > 0 ? endpointPorts(ports) : undefined;
  // Keys in JSON: decoded text may hold any character, so no separator could be trusted.
  const key = JSON.stringify([cidr, except, shared ? shared.map(portKey).join(' ') : '']);
  return entries.of(key, () => ({
    cidr,
    ...(except.length > 0 ? { except: Object.freeze([...except]) } : {}),
    ...(shared ? { ports: shared } : {}),
  }));
}

/** A selected pod in its one shared form, as {@link endpointInfo}. */
export function podEndpoint(hostIP: string, podIP: string, name: string, namespace: string): PodEndpoint {
  return podEndpoints.of(JSON.stringify([namespace, name, podIP, hostIP]), () => ({
    hostIP,
    podIP,
    name,
    namespace,
  }));
}

/** A PolicyEndpoint: what a node agent enforces for one NetworkPolicy (possibly one chunk of it). */
export interface PolicyEndpoint {
  readonly apiVersion: typeof POLICY_ENDPOINT_API_VERSION;
  readonly kind: 'PolicyEndpoint';
  readonly metadata: ObjectMeta & {
    readonly ownerReferences?: readonly { apiVersion: string; kind: string; name: string; uid?: string }[];
  };
  readonly spec: PolicyEndpointSpec;
}

/** Reads a PolicyEndpoint, including ones AWS's controller wrote (extra fields are ignored). */
export function decodePolicyEndpoint(raw: Json): PolicyEndpoint {
  const metadata = decodeObjectMeta(raw.metadata, true);
  const spec = object(raw.spec, 'spec');
  const ref = object(spec.policyRef, 'spec.policyRef');
  const podIsolation = list(spec.podIsolation, 'spec.podIsolation').map((item, i) => {
    const value = string(item, `spec.podIsolation[${i}]`);
    if (!(POLICY_TYPES as readonly string[]).includes(value)) {
      throw new FieldError(`spec.podIsolation[${i}]`, `unsupported policy type ${quoted(value)}`);
    }
    return value as PolicyType;
  });
  return {
    apiVersion: POLICY_ENDPOINT_API_VERSION,
    kind: 'PolicyEndpoint',
    metadata,
    spec: {
      policyRef: {
        name: string(ref.name, 'spec.policyRef.name'),
        namespace: optionalString(ref.namespace, 'spec.policyRef.namespace') ?? metadata.namespace,
      },
      podSelector: decodeOptionalLabelSelector(spec.podSelector, 'spec.podSelector'),
      podSelectorEndpoints: decodePodEndpoints(spec.podSelectorEndpoints, 'spec.podSelectorEndpoints'),
      podIsolation,
      ingress: list(spec.ingress, 'spec.ingress').map((item, i) =>
        decodeEndpointInfo(item, `spec.ingress[${i}]`),
      ),
      egress: list(spec.egress, 'spec.egress').map((item, i) =>
        decodeEndpointInfo(item, `spec.egress[${i}]`),
      ),
    },
  };
}

function decodeEndpointInfo(value: unknown, path: string): EndpointInfo {
  const raw = object(value, path);
  // Newer AWS controllers mark entries with an action; NetworkPolicy entries allow ("" or Allow).
  const action = optionalString(raw.action, `${path}.action`);
  if (action && action !== 'Allow') {
    throw new FieldError(
      `${path}.action`,
      `unsupported action ${quoted(action)}: only NetworkPolicy (allow) entries are read`,
    );
  }
  return endpointInfo(
    string(raw.cidr, `${path}.cidr`),
    list(raw.except, `${path}.except`).map((item, i) => string(item, `${path}.except[${i}]`)),
    decodeEndpointPorts(raw.ports, `${path}.ports`),
  );
}

/** The `ports` of an address entry (PolicyEndpoint or ClusterPolicyEndpoint). */
export function decodeEndpointPorts(value: unknown, path: string): EndpointPort[] {
  return list(value, path).map((item, i) => {
    const portPath = `${path}[${i}]`;
    const port = optionalObject(item, portPath) ?? {};
    return {
      protocol: decodeProtocol(port.protocol, `${portPath}.protocol`),
      port:
        port.port === undefined || port.port === null ? undefined : integer(port.port, `${portPath}.port`),
      endPort:
        port.endPort === undefined || port.endPort === null
          ? undefined
          : integer(port.endPort, `${portPath}.endPort`),
    };
  });
}

/** The `podSelectorEndpoints` of a PolicyEndpoint or ClusterPolicyEndpoint. */
export function decodePodEndpoints(value: unknown, path: string): PodEndpoint[] {
  return list(value, path).map((item, i) => {
    const at = `${path}[${i}]`;
    const endpoint = object(item, at);
    return podEndpoint(
      optionalString(endpoint.hostIP, `${at}.hostIP`) ?? '',
      string(endpoint.podIP, `${at}.podIP`),
      string(endpoint.name, `${at}.name`),
      string(endpoint.namespace, `${at}.namespace`),
    );
  });
}
