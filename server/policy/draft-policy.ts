import { dump } from 'js-yaml';
import type { Json } from '../kube/decode.ts';
import { NAMESPACE_NAME_LABEL } from '../kube/namespace.ts';
import type { Pod } from '../kube/pod.ts';
import { formatIp } from '../net/ip.ts';
import type { Endpoint } from './endpoint.ts';
import type { Verdict } from './evaluate.ts';

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
  const port = [{ port: verdict.port, protocol: verdict.protocol }];
  const documents: Json[] = [];
  if (!verdict.egress.allowed && from.pod) {
    const namespace = from.pod.metadata.namespace;
    documents.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: nameOf(`allow-${from.pod.metadata.name}-to-${verdict.to}-${verdict.port}`),
        namespace,
      },
      spec: {
        podSelector: selectorOf(from.pod),
        policyTypes: ['Egress'],
        egress: [{ to: [peerOf(to, namespace)], ports: port }],
      },
    });
  }
  if (!verdict.ingress.allowed && to.pod) {
    const namespace = to.pod.metadata.namespace;
    documents.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: nameOf(`allow-${verdict.from}-to-${to.pod.metadata.name}-${verdict.port}`),
        namespace,
      },
      spec: {
        podSelector: selectorOf(to.pod),
        policyTypes: ['Ingress'],
        ingress: [{ from: [peerOf(from, namespace)], ports: port }],
      },
    });
  }
  return documents.map((document) => dump(document, { noRefs: true })).join('---\n');
}
