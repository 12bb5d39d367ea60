import type { LabelSelector } from '../kube/label-selector.ts';
import type { NetworkPolicyPeer, NetworkPolicyPort } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import type { Protocol } from '../kube/protocol.ts';
import type { Service, ServicePort } from '../kube/service.ts';
import type { Cluster } from './cluster.ts';
import type { PortProtocol } from './endpoint.ts';
import { portMatches, type RulePort, resolveNamedPort } from './match.ts';
import { selectorMatches } from './selector.ts';

/**
 * What a Service means, for every consumer: its backends (the pods its selector picks in its
 * namespace), where each service port's traffic goes on each of them, and which egress rules
 * stand for its ClusterIP. A pod's traffic to a ClusterIP is judged twice by the datapath: at
 * the source before kube-proxy translates it (so egress sees the ClusterIP, and the controller
 * writes ClusterIP entries as AWS's controller does), and at the backend after (so ingress sees
 * the client and the target port).
 */

const selectors = new WeakMap<Service, LabelSelector>();

/** `spec.selector` as a label selector: every label must be equal. */
function selectorOf(service: Service): LabelSelector {
  let selector = selectors.get(service);
  if (!selector) {
    selector = { matchLabels: service.selector, matchExpressions: [] };
    selectors.set(service, selector);
  }
  return selector;
}

/**
 * The pods the Service sends traffic to: those of its namespace, with an IP, whose labels carry
 * all of its selector. A Service without a selector picks no pod (its endpoints are kept by hand).
 */
export function serviceBackends(cluster: Cluster, service: Service): Pod[] {
  if (Object.keys(service.selector).length === 0) return [];
  return cluster
    .podsIn(service.metadata.namespace)
    .filter((pod) => pod.podIP && selectorMatches(selectorOf(service), pod.metadata.labels));
}

/** Whether the Service picks `pod` as a backend (its IP aside). */
export function isBackendOf(service: Service, pod: Pod): boolean {
  return (
    pod.metadata.namespace === service.metadata.namespace &&
    Object.keys(service.selector).length > 0 &&
    selectorMatches(selectorOf(service), pod.metadata.labels)
  );
}

/**
 * Where the traffic of `port` goes on `pod`: its numeric targetPort, or the number of the
 * pod's container port of that name and protocol; undefined when the pod has no such port (then
 * it gets none of this port's traffic, as the endpoints controller leaves it out).
 */
export function targetOn(port: ServicePort, pod: Pod): number | undefined {
  return typeof port.targetPort === 'number'
    ? port.targetPort
    : resolveNamedPort(pod, port.targetPort, port.protocol);
}

/** A backend of one service port: the pod and the port its traffic reaches there. */
export interface PortBackend {
  readonly pod: Pod;
  readonly target: number;
}

/** The backends of one service port, each with its target. */
export function portBackends(cluster: Cluster, service: Service, port: ServicePort): PortBackend[] {
  return serviceBackends(cluster, service).flatMap((pod) => {
    const target = targetOn(port, pod);
    return target === undefined ? [] : [{ pod, target }];
  });
}

/** The service port a connection uses: the one listening on `target`'s port and protocol. */
export function servicePortAt(service: Service, target: PortProtocol): ServicePort | undefined {
  return service.ports.find((port) => port.port === target.port && port.protocol === target.protocol);
}

/** Why a rule's peer does not stand for a Service's ClusterIP. */
export type ServicePeerMismatch =
  | 'ip-block'
  | 'no-cluster-ip'
  | 'other-namespace'
  | 'namespace-labels'
  | 'service-selector';

const EVERYTHING: LabelSelector = { matchLabels: {}, matchExpressions: [] };

/**
 * Whether a peer of a policy in `policyNamespace` stands for the Service's ClusterIP, as AWS's
 * controller decides it: not an ipBlock (those match addresses), a Service with a ClusterIP (not
 * headless), in the peer's namespaces (the namespaceSelector's, else the policy's), and the peer's
 * podSelector (all pods when absent) satisfied by the Service's selector read as a set of labels.
 * Undefined when it does, otherwise why not.
 */
export function servicePeerMismatch(
  cluster: Cluster,
  policyNamespace: string,
  peer: NetworkPolicyPeer,
  service: Service,
): ServicePeerMismatch | undefined {
  if (peer.ipBlock) return 'ip-block';
  if (service.clusterIPs.length === 0) return 'no-cluster-ip';
  const namespace = service.metadata.namespace;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, cluster.namespaceLabels(namespace)))
      return 'namespace-labels';
  } else if (namespace !== policyNamespace) {
    return 'other-namespace';
  }
  return selectorMatches(peer.podSelector ?? EVERYTHING, service.selector) ? undefined : 'service-selector';
}

/**
 * Whether an egress rule's port admits `servicePort` at the ClusterIP. As AWS's controller: a
 * port of the protocol without number admits every service port of it; a rule port equal to the
 * targetPort (number to number, name to name) admits it; otherwise the rule port is resolved on
 * the backends and admits the service ports whose target it is there. Beyond AWS's controller
 * (which keeps the first match, and a range's start only), every matching service port counts,
 * and a range admits every target inside it. The rule is a NetworkPolicy's or a
 * ClusterNetworkPolicy's: the same ports open the same ClusterIPs in every tier.
 */
export function rulePortAdmits(
  cluster: Cluster,
  service: Service,
  anyPort: RulePort,
  servicePort: ServicePort,
): boolean {
  const rulePort = inProtocol(anyPort, servicePort.protocol);
  if (rulePort.protocol !== servicePort.protocol) return false;
  if (rulePort.port === undefined || rulePort.port === servicePort.targetPort) return true;
  const { protocol } = servicePort;
  if (
    typeof servicePort.targetPort === 'number' &&
    portMatches(rulePort, { port: servicePort.targetPort, protocol }, undefined)
  )
    return true;
  return serviceBackends(cluster, service).some((pod) => {
    const target = targetOn(servicePort, pod);
    return target !== undefined && portMatches(rulePort, { port: target, protocol }, pod);
  });
}

/** A rule port as a NetworkPolicy port: a ClusterNetworkPolicy's named port has no protocol, so it takes `protocol`. */
function inProtocol(rulePort: RulePort, protocol: Protocol): NetworkPolicyPort {
  return 'namedPort' in rulePort ? { protocol, port: rulePort.namedPort } : rulePort;
}

/** A port of a ClusterIP entry: the service port, or every port of the protocol. */
export interface ClusterIpPort {
  readonly protocol: Protocol;
  readonly port?: number;
}

/**
 * The ports an egress rule whose peer stands for the Service opens on its ClusterIP: `all` for a
 * rule without ports, otherwise each service port its ports admit (see {@link rulePortAdmits});
 * null when they admit none, so that the Service gets no entry.
 */
export function clusterIpPorts(
  cluster: Cluster,
  service: Service,
  rulePorts: readonly RulePort[],
): readonly ClusterIpPort[] | 'all' | null {
  if (rulePorts.length === 0) return 'all';
  const ports = new Map<string, ClusterIpPort>();
  for (const rulePort of rulePorts) {
    if (!('namedPort' in rulePort) && rulePort.port === undefined) {
      ports.set(`${rulePort.protocol}:`, { protocol: rulePort.protocol });
      continue;
    }
    for (const servicePort of service.ports) {
      if (rulePortAdmits(cluster, service, rulePort, servicePort))
        ports.set(`${servicePort.protocol}:${servicePort.port}`, {
          protocol: servicePort.protocol,
          port: servicePort.port,
        });
    }
  }
  return ports.size > 0 ? [...ports.values()] : null;
}

/** `svc/ns/name`, how commands and flows name a Service. */
export function serviceName(service: Service): string {
  return `svc/${keyOf(service.metadata)}`;
}

/** The `ns/name` of a Service written `svc/ns/name`, or undefined when `text` is not written so. */
export function parseServiceName(text: string): string | undefined {
  return /^svc\/([^/\s]+\/[^/\s]+)$/.exec(text)?.[1];
}

/** The ports a Service listens on, for messages: `80/TCP, 53/UDP`. */
export function listServicePorts(service: Service): string {
  return service.ports.map((port) => `${port.port}/${port.protocol}`).join(', ');
}
