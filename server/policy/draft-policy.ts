import { dump } from 'js-yaml';
import type { Json } from '../kube/decode.ts';
import { NAMESPACE_NAME_LABEL } from '../kube/namespace.ts';
import type { Pod } from '../kube/pod.ts';
import { protocolOfNumber } from '../kube/protocol.ts';
import type { Service, ServicePort } from '../kube/service.ts';
import { formatIp, parseIp } from '../net/ip.ts';
import type { Cluster } from './cluster.ts';
import type { Endpoint } from './endpoint.ts';
import type { Verdict } from './evaluate.ts';
import type { ServiceVerdict } from './evaluate-service.ts';
import { servicePortAt } from './service.ts';

/** The selector of exactly the pods labelled like `pod`, or of all pods when it has no labels. */
const selectorOf = (pod: Pod) => ({ matchLabels: { ...pod.metadata.labels } });

/** A peer that stands for `endpoint` as seen from a policy in `namespace`. */
function peerOf(endpoint: Endpoint, namespace: string): Json {
  if (!endpoint.pod)
    return { ipBlock: { cidr: `${formatIp(endpoint.ip)}/${endpoint.ip.family === 4 ? 32 : 128}` } };
  const peer: Json = { podSelector: selectorOf(endpoint.pod) };
  if (endpoint.pod.metadata.namespace !== namespace) {
    peer.namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: endpoint.pod.metadata.namespace } };
  }
  return peer;
}

const nameOf = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);

/**
 * NetworkPolicies that would allow a denied connection, least privilege: for each side that
 * denied it, a policy selecting that pod (by its labels) that admits exactly the other end on
 * exactly that port. Empty when nothing denied it.
 */
export function draftAllowingPolicies(verdict: Verdict, from: Endpoint, to: Endpoint): string {
  const ports = [{ port: verdict.port, protocol: verdict.protocol }];
  const documents: Json[] = [];
  if (!verdict.egress.allowed && from.pod) {
    const egress = [{ to: [peerOf(to, from.pod.metadata.namespace)], ports }];
    documents.push(
      policyDocument(`allow-${from.pod.metadata.name}-to-${verdict.to}-${verdict.port}`, from.pod, {
        egress,
      }),
    );
  }
  if (!verdict.ingress.allowed && to.pod) {
    const ingress = [{ from: [peerOf(from, to.pod.metadata.namespace)], ports }];
    documents.push(
      policyDocument(`allow-${verdict.from}-to-${to.pod.metadata.name}-${verdict.port}`, to.pod, { ingress }),
    );
  }
  return documents.map((document) => dump(document, { noRefs: true })).join('---\n');
}

/**
 * A peer that stands for a Service's backends and, as AWS's controller reads it, for its
 * ClusterIP: a podSelector of the Service's selector (in its namespace); for a Service without a
 * selector, its ClusterIP as an ipBlock.
 */
function servicePeerOf(service: Service, namespace: string): Json {
  if (Object.keys(service.selector).length === 0) {
    const [clusterIP = ''] = service.clusterIPs;
    return { ipBlock: { cidr: `${clusterIP}/${parseIp(clusterIP)?.family === 6 ? 128 : 32}` } };
  }
  const peer: Json = { podSelector: { matchLabels: { ...service.selector } } };
  if (service.metadata.namespace !== namespace)
    peer.namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: service.metadata.namespace } };
  return peer;
}

/**
 * NetworkPolicies that would allow a connection through a Service that is denied: at the
 * source, egress to the Service's pods on its targetPort (which stands for the ClusterIP's
 * service port too); at each backend that denies, ingress from the client on its target port.
 */
export function draftThroughService(
  cluster: Cluster,
  verdict: ServiceVerdict,
  from: Endpoint,
  service: Service,
  servicePort: ServicePort,
): string {
  const documents: Json[] = [];
  const { protocol } = servicePort;
  if (!verdict.egress.allowed && from.pod) {
    const port = Object.keys(service.selector).length > 0 ? servicePort.targetPort : servicePort.port;
    const egress = [
      { to: [servicePeerOf(service, from.pod.metadata.namespace)], ports: [{ port, protocol }] },
    ];
    documents.push(
      policyDocument(
        `allow-${from.pod.metadata.name}-to-${service.metadata.name}-${servicePort.port}`,
        from.pod,
        {
          egress,
        },
      ),
    );
  }
  const drafted = new Set<string>();
  for (const backend of verdict.backends) {
    const pod = cluster.pod(backend.pod);
    const key = JSON.stringify([pod?.metadata.labels, backend.targetPort]);
    if (backend.ingress.allowed || !pod || drafted.has(key)) continue;
    drafted.add(key);
    const ingress = [
      { from: [peerOf(from, pod.metadata.namespace)], ports: [{ port: backend.targetPort, protocol }] },
    ];
    documents.push(
      policyDocument(`allow-${verdict.from}-to-${pod.metadata.name}-${backend.targetPort}`, pod, { ingress }),
    );
  }
  return documents.map((document) => dump(document, { noRefs: true })).join('---\n');
}

/** A NetworkPolicy manifest for the pods labelled like `pod`, isolating the directions given rules. */
function policyDocument(
  name: string,
  pod: Pod,
  rules: { readonly ingress?: Json[]; readonly egress?: Json[] },
): Json {
  const policyTypes = [...(rules.ingress ? ['Ingress'] : []), ...(rules.egress ? ['Egress'] : [])];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: nameOf(name), namespace: pod.metadata.namespace },
    spec: { podSelector: selectorOf(pod), policyTypes, ...rules },
  };
}

/** What a suggestion learns from: the flows the agent saw on the pod's interface. */
export interface ObservedFlow {
  readonly pod?: string;
  readonly direction: 'ingress' | 'egress';
  readonly src: string;
  readonly dst: string;
  readonly dport: number;
  readonly protocol: number;
}

/**
 * A least-privilege NetworkPolicy for `podKey` from the traffic observed on it: for each direction
 * that saw traffic, one rule per peer with exactly the ports it used. Directions with no traffic
 * are left alone. Empty when nothing was observed.
 */
export function suggestPolicy(cluster: Cluster, podKey: string, flows: readonly ObservedFlow[]): string {
  const pod = cluster.pod(podKey);
  if (!pod) return '';
  const namespace = pod.metadata.namespace;
  const rules = {
    ingress: new Map<string, { peer: Json; ports: Map<string, Json> }>(),
    egress: new Map<string, { peer: Json; ports: Map<string, Json> }>(),
  };
  for (const flow of flows) {
    const protocol = protocolOfNumber(flow.protocol);
    if (flow.pod !== podKey || !protocol) continue;
    const address = flow.direction === 'ingress' ? flow.src : flow.dst;
    const peerPod = cluster.podByIp(address);
    const ip = parseIp(address);
    if (!ip) continue;
    // Traffic to a ClusterIP is allowed by a rule for the Service's pods on its targetPort.
    const service = flow.direction === 'egress' && !peerPod ? cluster.serviceByIp(address) : undefined;
    const servicePort = service && servicePortAt(service, { port: flow.dport, protocol });
    const endpoint: Endpoint = peerPod ? { pod: peerPod, ip } : { ip };
    const peer = service && servicePort ? servicePeerOf(service, namespace) : peerOf(endpoint, namespace);
    const port = service && servicePort && 'podSelector' in peer ? servicePort.targetPort : flow.dport;
    const key = JSON.stringify(peer);
    const rule = rules[flow.direction].get(key) ?? { peer, ports: new Map() };
    rule.ports.set(`${port}/${protocol}`, { port, protocol });
    rules[flow.direction].set(key, rule);
  }
  const toRules = (direction: 'ingress' | 'egress') =>
    [...rules[direction].values()].map(({ peer, ports }) => ({
      [direction === 'ingress' ? 'from' : 'to']: [peer],
      ports: [...ports.values()],
    }));
  if (rules.ingress.size === 0 && rules.egress.size === 0) return '';
  const document = policyDocument(`suggested-${pod.metadata.name}`, pod, {
    ...(rules.ingress.size > 0 ? { ingress: toRules('ingress') } : {}),
    ...(rules.egress.size > 0 ? { egress: toRules('egress') } : {}),
  });
  return dump(document, { noRefs: true });
}
