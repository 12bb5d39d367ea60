import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndpointInfo, PolicyEndpoint } from '../kube/policy-endpoint.ts';
import { parseState } from '../kube/state-file.ts';
import { EndpointsIndex } from './endpoints-index.ts';
import { policyEndpointsFor } from './policy-endpoints.ts';
import { clusterOf, podYaml } from './testing-cluster.ts';

const service = (namespace: string, name: string, spec: object) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec });

/** A cluster with every kind of Service AWS's resolver tells apart. */
const CLUSTER = [
  'kind: Namespace\nmetadata: {name: shop}',
  'kind: Namespace\nmetadata: {name: ops, labels: {team: ops}}',
  'kind: Namespace\nmetadata: {name: kube-system}',
  podYaml('shop', 'web-1', { app: 'web', tier: 'front' }, '10.77.0.1', ['http:8080/TCP']),
  podYaml('shop', 'web-2', { app: 'web', tier: 'front' }, '10.77.0.2', ['http:8080/TCP']),
  podYaml('shop', 'client', { app: 'client' }, '10.77.0.3'),
  podYaml('ops', 'probe', { app: 'probe' }, '10.77.1.1'),
  podYaml('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '10.77.2.53', [
    'dns:53/UDP',
    'dns-tcp:53/TCP',
  ]),
  // targetPort by name: AWS finds the service port through the pods' container port named http.
  service('shop', 'web', {
    clusterIP: '10.100.0.10',
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ],
  }),
  // A selector with more labels than the rule's peer still satisfies it.
  service('shop', 'web-legacy', {
    clusterIP: '10.100.0.11',
    selector: { app: 'web', tier: 'front' },
    ports: [{ port: 8080 }],
  }),
  // Headless: no ClusterIP entry.
  service('shop', 'web-pods', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 8080 }] }),
  // No selector: only a peer selecting every pod stands for it.
  service('shop', 'manual', { clusterIP: '10.100.0.12', ports: [{ port: 443 }] }),
  service('kube-system', 'kube-dns', {
    clusterIP: '10.100.0.53',
    selector: { 'k8s-app': 'kube-dns' },
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
  }),
  // No backend at all: AWS writes its ClusterIP all the same.
  service('ops', 'other', { clusterIP: '10.100.0.20', selector: { app: 'web' }, ports: [{ port: 80 }] }),
];

const POLICY = `kind: NetworkPolicy
metadata: {name: client-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: 8080}]
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
    - to: [{namespaceSelector: {matchLabels: {team: ops}}}]
    - to: [{ipBlock: {cidr: 10.100.0.0/16}}]
      ports: [{port: 9090}]`;

/**
 * What AWS's controller writes for POLICY on CLUSTER, worked out by hand from its resolver
 * (amazon-network-policy-controller-k8s, pkg/resolvers/endpoints.go): per egress rule, the peers'
 * pods with ports resolved on each pod, then the ClusterIP of every Service of the peer's
 * namespaces that is not headless and whose spec.selector, read as labels, satisfies the peer's
 * podSelector, with each rule port mapped to the service port whose targetPort it is (directly, or
 * through the backends' named container ports); ipBlock peers get no ClusterIPs.
 */
const AWS_WRITES = `apiVersion: networking.k8s.aws/v1alpha1
kind: PolicyEndpoint
metadata: {name: client-egress-7xk2p, namespace: shop}
spec:
  policyRef: {name: client-egress, namespace: shop}
  podIsolation: [Egress]
  podSelector: {matchLabels: {app: client}}
  podSelectorEndpoints:
    - {hostIP: 10.99.0.1, podIP: 10.77.0.3, name: client, namespace: shop}
  egress:
    - {cidr: 10.77.0.1, ports: [{protocol: TCP, port: 8080}]}
    - {cidr: 10.77.0.2, ports: [{protocol: TCP, port: 8080}]}
    - {cidr: 10.100.0.10, ports: [{protocol: TCP, port: 80}]}
    - {cidr: 10.100.0.11, ports: [{protocol: TCP, port: 8080}]}
    - {cidr: 10.77.2.53, ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}
    - {cidr: 10.100.0.53, ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}
    - {cidr: 10.77.1.1}
    - {cidr: 10.100.0.20}
    - {cidr: 10.100.0.0/16, ports: [{protocol: TCP, port: 9090}]}`;

/** An entry list as a set: entries by address, each entry's ports in one order. */
function asSet(entries: readonly EndpointInfo[] | undefined) {
  return (entries ?? [])
    .map((entry) =>
      JSON.stringify({ ...entry, ports: (entry.ports ?? []).map((port) => JSON.stringify(port)).sort() }),
    )
    .sort();
}

test('the ClusterIP entries equal those AWS’s controller writes for the same cluster', () => {
  const cluster = clusterOf(...CLUSTER, POLICY);
  const [ours, ...more] = policyEndpointsFor(cluster, cluster.allPolicies()[0] as never);
  const [theirs] = parseState(AWS_WRITES, 'aws.yaml') as PolicyEndpoint[];
  assert.equal(more.length, 0);
  assert.ok(ours && theirs);
  assert.deepEqual(asSet(ours.spec.egress), asSet(theirs.spec.egress));
  assert.deepEqual(ours.spec.podSelectorEndpoints, theirs.spec.podSelectorEndpoints);
  assert.deepEqual([ours.spec.podIsolation, ours.spec.ingress], [['Egress'], []]);
});

test('beyond AWS: every service port a rule port reaches, ranges, named ports on both sides, dual stack', () => {
  const cluster = clusterOf(
    podYaml('shop', 'api', { app: 'api' }, '10.77.0.5', ['web:8080/TCP', 'admin:9000/TCP']),
    service('shop', 'api', {
      clusterIPs: ['10.100.0.30', 'fd00::30'],
      selector: { app: 'api' },
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'alt', port: 8000, targetPort: 'web' },
        { name: 'admin', port: 9000, targetPort: 'admin' },
      ],
    }),
    `kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: api}}}]
      ports: [{port: 8080}, {port: 8990, endPort: 9010}]`,
  );
  const [endpoint] = new EndpointsIndex(cluster).all();
  // 8080 is the target of both http (by number) and alt (by the pod's name web); the range holds admin's 9000.
  const ports = [
    { protocol: 'TCP', port: 80 },
    { protocol: 'TCP', port: 8000 },
    { protocol: 'TCP', port: 9000 },
  ];
  assert.deepEqual(
    endpoint?.spec.egress?.filter((entry) => !entry.cidr.startsWith('10.77.')),
    [
      { cidr: '10.100.0.30', ports },
      { cidr: 'fd00::30', ports },
    ],
  );
});

test('a Service change rewrites only the policies whose egress peers stand for it', () => {
  const other = `kind: NetworkPolicy
metadata: {name: unrelated, namespace: ops}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: probe}}}]}]`;
  const index = new EndpointsIndex(clusterOf(...CLUSTER, POLICY, other));
  const [web] = parseState(
    service('shop', 'web', { clusterIP: '10.100.0.10', selector: { app: 'web' }, ports: [{ port: 8080 }] }),
    'svc.yaml',
  );
  assert.ok(web);
  const change = index.set(web);
  assert.deepEqual([...change.updated], ['shop/client-egress']);
  assert.equal(change.rebuilt, 0);
  const entry = index.of('shop/client-egress')[0]?.spec.egress?.find((e) => e.cidr === '10.100.0.10');
  assert.deepEqual(entry?.ports, [{ protocol: 'TCP', port: 8080 }]);
  // Deleted: its ClusterIP goes from the policy that had it, and nothing else is written.
  const gone = index.delete('Service', 'shop/web');
  assert.deepEqual([...gone.updated], ['shop/client-egress']);
  assert.ok(!index.all().some((pe) => pe.spec.egress?.some((e) => e.cidr === '10.100.0.10')));
  assert.deepEqual(
    [...index.delete('Service', 'shop/web-pods').updated],
    [],
    'a headless Service had no entry',
  );
});

test('a backend change rewrites the ClusterIP entries whose ports resolve on it', () => {
  const index = new EndpointsIndex(clusterOf(...CLUSTER, POLICY));
  const entryOf = () =>
    index.of('shop/client-egress')[0]?.spec.egress?.find((e) => e.cidr === '10.100.0.10')?.ports;
  assert.deepEqual(entryOf(), [{ protocol: 'TCP', port: 80 }]);
  // Both backends now serve http on 9999: the rule's 8080 no longer reaches service port 80.
  for (const name of ['web-1', 'web-2']) {
    const [pod] = parseState(
      podYaml('shop', name, { app: 'web', tier: 'front' }, `10.77.0.${name.slice(-1)}`, ['http:9999/TCP']),
      'pod.yaml',
    );
    assert.ok(pod);
    index.set(pod);
  }
  assert.equal(entryOf(), undefined);
});
