import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsSubdomainProblem } from '../kube/names.ts';
import { decodeObject, encodeObject } from '../kube/objects.ts';
import { decodePolicyEndpoint, type PolicyEndpoint } from '../kube/policy-endpoint.ts';
import { loadState, parseState } from '../kube/state-file.ts';
import { Cluster } from '../policy/cluster.ts';
import { CASES } from '../policy/conformance/cases.ts';
import { layoutYaml } from '../policy/conformance/layout.ts';
import { EndpointsIndex } from './endpoints-index.ts';
import { chunkName, policyEndpointsFor } from './policy-endpoints.ts';
import { clusterOf, podYaml } from './testing-cluster.ts';

const pods = [
  podYaml('shop', 'web-1', { app: 'web' }, '10.77.0.1', ['http:8080/TCP']),
  podYaml('shop', 'web-2', { app: 'web' }, '10.77.0.2', ['http:8081/TCP']),
  podYaml('shop', 'web-pending', { app: 'web' }),
  podYaml('shop', 'client', { app: 'client' }, '10.77.0.3'),
  podYaml('ops', 'probe', { app: 'probe' }, '10.77.1.1', ['metrics:9090/TCP']),
  'kind: Namespace\nmetadata: {name: ops, labels: {team: ops}}',
];

function endpointsOf(policyYaml: string, chunkSize?: number) {
  const cluster = clusterOf(...pods, policyYaml);
  const [policy] = cluster.allPolicies();
  assert.ok(policy);
  return policyEndpointsFor(cluster, policy, chunkSize);
}

test('one PolicyEndpoint per policy in AWS’s shape: selected pods, one entry per peer address', () => {
  const [endpoint, ...more] = endpointsOf(`kind: NetworkPolicy
metadata: {name: web, namespace: shop, uid: u-1}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: client}}}, {namespaceSelector: {matchLabels: {team: ops}}}]
      ports: [{port: 80}]
    - from: [{ipBlock: {cidr: 192.0.2.0/24, except: [192.0.2.128/25]}}]`);
  assert.equal(more.length, 0);
  assert.ok(endpoint);
  assert.equal(endpoint.apiVersion, 'networking.k8s.aws/v1alpha1');
  assert.match(endpoint.metadata.name, /^web-[0-9a-f]{5}$/);
  assert.deepEqual(endpoint.metadata.ownerReferences, [
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'web', uid: 'u-1' },
  ]);
  assert.deepEqual(endpoint.spec.policyRef, { name: 'web', namespace: 'shop' });
  assert.deepEqual(endpoint.spec.podIsolation, ['Ingress']);
  // The pending pod has no IP yet, so it cannot be listed.
  assert.deepEqual(
    endpoint.spec.podSelectorEndpoints?.map((pod) => `${pod.name} ${pod.podIP} ${pod.hostIP}`),
    ['web-1 10.77.0.1 10.99.0.1', 'web-2 10.77.0.2 10.99.0.1'],
  );
  assert.deepEqual(endpoint.spec.ingress, [
    { cidr: '10.77.0.3', ports: [{ protocol: 'TCP', port: 80 }] },
    { cidr: '10.77.1.1', ports: [{ protocol: 'TCP', port: 80 }] },
    { cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] },
  ]);
  assert.deepEqual(endpoint.spec.egress, []);
  // What we write, AWS's schema reads back unchanged.
  assert.deepEqual(
    decodePolicyEndpoint(JSON.parse(JSON.stringify(endpoint))).spec.ingress?.[0]?.cidr,
    '10.77.0.3',
  );
});

test('a rule without peers allows every address, IPv4 and IPv6', () => {
  const [endpoint] = endpointsOf(`kind: NetworkPolicy
metadata: {name: out, namespace: shop}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: [{ports: [{port: 443}, {protocol: UDP, port: 5000, endPort: 5010}]}]`);
  assert.deepEqual(endpoint?.spec.egress, [
    {
      cidr: '0.0.0.0/0',
      ports: [
        { protocol: 'TCP', port: 443 },
        { protocol: 'UDP', port: 5000, endPort: 5010 },
      ],
    },
    {
      cidr: '::/0',
      ports: [
        { protocol: 'TCP', port: 443 },
        { protocol: 'UDP', port: 5000, endPort: 5010 },
      ],
    },
  ]);
  assert.deepEqual(endpoint?.spec.podIsolation, ['Egress']);
});

test('named ports resolve on the selected pods for ingress and on each destination for egress', () => {
  const [ingress] = endpointsOf(`kind: NetworkPolicy
metadata: {name: in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: http}]}]`);
  assert.deepEqual(ingress?.spec.ingress, [
    {
      cidr: '10.77.0.3',
      ports: [
        { protocol: 'TCP', port: 8080 },
        { protocol: 'TCP', port: 8081 },
      ],
    },
  ]);
  const [egress] = endpointsOf(`kind: NetworkPolicy
metadata: {name: eg, namespace: shop}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {}}]
      ports: [{port: http}, {port: metrics}]
    - to: [{ipBlock: {cidr: 10.77.1.0/24}}]
      ports: [{port: metrics}]`);
  assert.deepEqual(egress?.spec.egress, [
    { cidr: '10.77.0.1', ports: [{ protocol: 'TCP', port: 8080 }] },
    { cidr: '10.77.0.2', ports: [{ protocol: 'TCP', port: 8081 }] },
    { cidr: '10.77.1.1', ports: [{ protocol: 'TCP', port: 9090 }] },
  ]);
});

test('entries for the same address join their ports; all ports wins', () => {
  const [endpoint] = endpointsOf(`kind: NetworkPolicy
metadata: {name: join, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: client}}}]
      ports: [{port: 80}]
    - from: [{podSelector: {matchLabels: {app: client}}}]
      ports: [{port: 81, protocol: UDP}]
    - from: [{namespaceSelector: {matchLabels: {team: ops}}}]
      ports: [{port: 80}]
    - from: [{namespaceSelector: {matchLabels: {team: ops}}}]`);
  assert.deepEqual(endpoint?.spec.ingress, [
    {
      cidr: '10.77.0.3',
      ports: [
        { protocol: 'TCP', port: 80 },
        { protocol: 'UDP', port: 81 },
      ],
    },
    { cidr: '10.77.1.1' },
  ]);
});

test('long lists spill into further PolicyEndpoints, each list chunked on its own', () => {
  const endpoints = endpointsOf(
    `kind: NetworkPolicy
metadata: {name: big, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {}}]}]`,
    2,
  );
  assert.equal(endpoints.length, 2);
  assert.equal(new Set(endpoints.map((endpoint) => endpoint.metadata.name)).size, 2);
  assert.deepEqual(
    endpoints.map((endpoint) => [endpoint.spec.podSelectorEndpoints?.length, endpoint.spec.ingress?.length]),
    [
      [2, 2],
      [1, 2],
    ],
  );
  for (const endpoint of endpoints)
    assert.deepEqual(endpoint.spec.policyRef, { name: 'big', namespace: 'shop' });
});

test('a policy that selects no pod still gets its PolicyEndpoint, with no pods', () => {
  const [endpoint] = endpointsOf(`kind: NetworkPolicy
metadata: {name: none, namespace: shop}
spec: {podSelector: {matchLabels: {app: nothing}}}`);
  assert.deepEqual(endpoint?.spec.podSelectorEndpoints, []);
  assert.ok(decodeObject({ ...endpoint, metadata: { ...endpoint?.metadata } }));
});

test('the model’s PolicyEndpoints are already in the form the API gives back, so the controller compares them as they are', () => {
  const clusters = [
    loadState([
      `${import.meta.dirname}/../../examples/walkthrough/cluster.yaml`,
      `${import.meta.dirname}/../../examples/walkthrough/policies`,
    ]),
    ...CASES.map((c) =>
      Cluster.of(parseState([layoutYaml(), c.extraObjects ?? '', c.policies].join('---\n'), c.name)),
    ),
  ];
  let compared = 0;
  for (const cluster of clusters)
    for (const endpoint of new EndpointsIndex(cluster, 2).all()) {
      const readBack = decodeObject(JSON.parse(JSON.stringify(encodeObject(endpoint)))) as PolicyEndpoint;
      assert.deepStrictEqual(
        endpoint.spec,
        readBack.spec,
        `${endpoint.metadata.namespace}/${endpoint.metadata.name}`,
      );
      compared++;
    }
  assert.ok(compared > 100, `compared ${compared}`);
});

test('a dual-stack pod is written by every IP of status.podIPs, each with the ports its family earns', () => {
  const dual = (name: string, labels: Record<string, string>, ips: string[], hostIPs: string[]) =>
    JSON.stringify({
      kind: 'Pod',
      metadata: { name, namespace: 'shop', labels },
      spec: { containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080 }] }] },
      status: {
        podIP: ips[0],
        podIPs: ips.map((ip) => ({ ip })),
        hostIP: hostIPs[0],
        hostIPs: hostIPs.map((ip) => ({ ip })),
      },
    });
  const cluster = clusterOf(
    dual('web', { app: 'web' }, ['fd00:77::1', '10.77.0.1'], ['fd00:77:ff::1', '10.77.255.1']),
    dual('client', { app: 'client' }, ['10.77.0.2', 'fd00:77::2'], ['10.77.255.1', 'fd00:77:ff::1']),
    `kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 80}]}]
  egress:
    - to: [{podSelector: {matchLabels: {app: client}}}]
    # A named port to an IPv4 block reaches only the client's IPv4 address.
    - to: [{ipBlock: {cidr: 10.77.0.0/24}}]
      ports: [{port: http}]`,
  );
  const index = new EndpointsIndex(cluster);
  const [endpoint, ...more] = index.of('shop/web');
  assert.ok(endpoint);
  assert.equal(more.length, 0);
  assert.deepEqual(endpoint.spec.podSelectorEndpoints, [
    { hostIP: '10.77.255.1', podIP: '10.77.0.1', name: 'web', namespace: 'shop' },
    { hostIP: 'fd00:77:ff::1', podIP: 'fd00:77::1', name: 'web', namespace: 'shop' },
  ]);
  assert.deepEqual(endpoint.spec.ingress, [
    { cidr: '10.77.0.2', ports: [{ protocol: 'TCP', port: 80 }] },
    { cidr: 'fd00:77::2', ports: [{ protocol: 'TCP', port: 80 }] },
  ]);
  assert.deepEqual(endpoint.spec.egress, [
    { cidr: '10.77.0.1', ports: [{ protocol: 'TCP', port: 8080 }] },
    { cidr: '10.77.0.2' },
    { cidr: 'fd00:77::2' },
  ]);
  // The client losing its IPv6 address takes that entry out, and only that one.
  const single = JSON.parse(dual('client', { app: 'client' }, ['10.77.0.2'], ['10.77.255.1'])) as Record<
    string,
    unknown
  >;
  assert.deepEqual([...index.set(decodeObject(single)).updated], ['shop/web']);
  assert.deepEqual(
    index.of('shop/web')[0]?.spec.ingress?.map((entry) => entry.cidr),
    ['10.77.0.2'],
  );
  const fromScratch = Cluster.of([...cluster.allPods(), ...cluster.allPolicies()]);
  assert.deepEqual(index.all(), new EndpointsIndex(fromScratch).all());
});

test('PolicyEndpoint names stay valid object names for the longest policy names', () => {
  const long = `${'a'.repeat(246)}.b-c.d`;
  assert.equal(long.length, 252);
  const names = [0, 1].map((index) => chunkName({ namespace: 'default', name: long }, index));
  for (const name of names) {
    assert.ok(name.length <= 253, `${name.length} characters`);
    assert.equal(dnsSubdomainProblem(name), undefined);
  }
  assert.notEqual(names[0], names[1]);
  assert.match(chunkName({ namespace: 'default', name: 'web' }, 0), /^web-[0-9a-f]{5}$/);
});

test('a policy of many blocks and many ports is cut into PolicyEndpoints that etcd can store', () => {
  const ports = Array.from({ length: 150 }, (_, i) => `{port: ${1000 + i}}`).join(', ');
  const blocks = (prefix: number) =>
    Array.from({ length: 200 }, (_, i) => `{ipBlock: {cidr: 172.${prefix}.${i}.0/24}}`).join(', ');
  const endpoints = endpointsOf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: big, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [${blocks(16)}], ports: [${ports}]}]
  egress: [{to: [${blocks(17)}], ports: [${ports}]}]
`);
  assert.ok(endpoints.length > 1, 'more than one PolicyEndpoint');
  for (const endpoint of endpoints) {
    const bytes = JSON.stringify(encodeObject(endpoint)).length;
    assert.ok(bytes < 1_300_000, `${endpoint.metadata.name}: ${bytes} bytes`);
  }
  assert.equal(endpoints.flatMap((endpoint) => endpoint.spec.ingress).length, 200);
  assert.equal(endpoints.flatMap((endpoint) => endpoint.spec.egress).length, 200);
});
