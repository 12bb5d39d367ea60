import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ClusterNetworkPolicy } from '../kube/cluster-network-policy.ts';
import type { Pod } from '../kube/pod.ts';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from '../policy/cluster.ts';
import { clusterPolicyEndpointsFor } from './cluster-policy-endpoints.ts';
import { EndpointsIndex } from './endpoints-index.ts';

const PODS = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.0.2, hostIP: 192.168.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, ports: [{name: http, containerPort: 9090}]}]}
status: {podIP: 10.0.0.1, hostIP: 192.168.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: ops, labels: {app: probe}}
status: {podIP: 10.0.1.1, hostIP: 192.168.0.2}
`;

const POLICY = `
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: shop-guard, uid: u-1}
spec:
  tier: Admin
  priority: 7
  subject: {namespaces: {matchLabels: {team: shop}}}
  ingress:
  - {action: Accept, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: probe}}}}], ports: [{namedPort: http}]}
  - {action: Deny, from: [{namespaces: {}}]}
  egress:
  - {action: Pass, to: [{networks: [10.0.0.0/24]}], ports: [{portRange: {protocol: UDP, start: 53, end: 54}}]}
`;

const clusterOf = (...texts: string[]) => Cluster.of(parseState(texts.join('\n---\n'), 'state'));

test('a ClusterNetworkPolicy’s ClusterPolicyEndpoints in AWS’s shape: tier, priority, subject pods, entries with actions', () => {
  const cluster = clusterOf(PODS, POLICY);
  const policy = cluster.clusterPolicy('shop-guard');
  assert.ok(policy);
  const [endpoint, ...more] = clusterPolicyEndpointsFor(cluster, policy);
  assert.equal(more.length, 0);
  assert.ok(endpoint);
  assert.equal(endpoint.apiVersion, 'networking.k8s.aws/v1alpha1');
  assert.equal(endpoint.kind, 'ClusterPolicyEndpoint');
  assert.equal(endpoint.metadata.namespace, '');
  assert.match(endpoint.metadata.name, /^shop-guard-[0-9a-f]{5}$/);
  assert.deepEqual(endpoint.metadata.ownerReferences, [
    {
      apiVersion: 'networking.k8s.aws/v1alpha1',
      kind: 'ClusterNetworkPolicy',
      name: 'shop-guard',
      uid: 'u-1',
    },
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(endpoint.spec)), {
    policyRef: { name: 'shop-guard' },
    tier: 'Admin',
    priority: 7,
    // By address: db (10.0.0.1) before web (10.0.0.2).
    podSelectorEndpoints: [
      { hostIP: '192.168.0.1', podIP: '10.0.0.1', name: 'db', namespace: 'shop' },
      { hostIP: '192.168.0.1', podIP: '10.0.0.2', name: 'web', namespace: 'shop' },
    ],
    ingress: [
      // Every pod is denied; probe is also accepted on what `http` stands for on the subject's pods.
      { cidr: '10.0.0.1', action: 'Deny' },
      { cidr: '10.0.0.2', action: 'Deny' },
      { cidr: '10.0.1.1', action: 'Deny' },
      {
        cidr: '10.0.1.1',
        ports: [
          { protocol: 'TCP', port: 8080 },
          { protocol: 'TCP', port: 9090 },
        ],
        action: 'Accept',
      },
    ],
    egress: [{ cidr: '10.0.0.0/24', ports: [{ protocol: 'UDP', port: 53, endPort: 54 }], action: 'Pass' }],
  });
});

test('dual-stack pods are subjects and peers at each of their addresses, with the node’s address of that family', () => {
  const dual = PODS.replace(
    'status: {podIP: 10.0.0.1, hostIP: 192.168.0.1}',
    'status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}, {ip: "fd00::1"}], hostIP: 192.168.0.1, hostIPs: [{ip: 192.168.0.1}, {ip: "fd00:ff::1"}]}',
  ).replace(
    'status: {podIP: 10.0.1.1, hostIP: 192.168.0.2}',
    'status: {podIP: 10.0.1.1, podIPs: [{ip: 10.0.1.1}, {ip: "fd00::101"}], hostIP: 192.168.0.2}',
  );
  const cluster = clusterOf(dual, POLICY);
  const policy = cluster.clusterPolicy('shop-guard');
  assert.ok(policy);
  const [endpoint] = clusterPolicyEndpointsFor(cluster, policy);
  assert.deepEqual(
    endpoint?.spec.podSelectorEndpoints?.map((place) => [place.name, place.podIP, place.hostIP]),
    [
      ['db', '10.0.0.1', '192.168.0.1'],
      ['web', '10.0.0.2', '192.168.0.1'],
      ['db', 'fd00::1', 'fd00:ff::1'],
    ],
  );
  const denied = endpoint?.spec.ingress
    ?.filter((entry) => entry.action === 'Deny')
    .map((entry) => entry.cidr);
  assert.deepEqual(denied, ['10.0.0.1', '10.0.0.2', '10.0.1.1', 'fd00::1', 'fd00::101']);
  assert.deepEqual(
    endpoint?.spec.ingress?.filter((entry) => entry.action === 'Accept').map((entry) => entry.cidr),
    ['10.0.1.1', 'fd00::101'],
    'probe is accepted at both its addresses',
  );
});

test('long lists spill into further ClusterPolicyEndpoints of at most the chunk size', () => {
  const cluster = clusterOf(PODS, POLICY);
  const policy = cluster.clusterPolicy('shop-guard');
  assert.ok(policy);
  const chunks = clusterPolicyEndpointsFor(cluster, policy, 2);
  assert.equal(chunks.length, 2);
  assert.equal(new Set(chunks.map((chunk) => chunk.metadata.name)).size, 2);
  assert.deepEqual(
    chunks.map((chunk) => chunk.spec.ingress?.length),
    [2, 2],
  );
  assert.deepEqual(
    chunks.map((chunk) => [chunk.spec.tier, chunk.spec.priority]),
    [
      ['Admin', 7],
      ['Admin', 7],
    ],
  );
});

test('the index follows pods, namespaces and cluster policies, and ends where a build from scratch does', () => {
  const index = new EndpointsIndex(clusterOf(PODS));
  assert.deepEqual(index.allCluster(), []);
  const [policy] = parseState(POLICY, 'policy');
  assert.ok(policy);
  assert.deepEqual([...index.set(policy).updated], ['shop-guard']);
  // A pod that joins the subject's namespace joins podSelectorEndpoints and the Deny entries.
  const [pod] = parseState(
    `apiVersion: v1
kind: Pod
metadata: {name: cache, namespace: shop}
status: {podIP: 10.0.0.3}`,
    'pod',
  );
  assert.ok(pod);
  const change = index.set(pod);
  assert.ok(change.updated.has('shop-guard'));
  assert.ok(index.clusterOf('shop-guard')[0]?.spec.podSelectorEndpoints?.some((e) => e.name === 'cache'));
  // The namespace losing its label takes every subject pod out.
  const [namespace] = parseState('apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}', 'ns');
  assert.ok(namespace);
  assert.ok(index.set(namespace).updated.has('shop-guard'));
  assert.deepEqual(index.clusterOf('shop-guard')[0]?.spec.podSelectorEndpoints, []);
  const fresh = new EndpointsIndex(
    Cluster.of([...parseState(PODS, 'pods'), ...parseState(POLICY, 'policy'), pod, namespace]),
  );
  assert.equal(JSON.stringify(index.allCluster()), JSON.stringify(fresh.allCluster()));
  // A change that touches no cluster policy's endpoints marks none.
  assert.equal(index.set(namespace).updated.has('shop-guard'), false);
  assert.deepEqual(index.delete('ClusterNetworkPolicy', 'shop-guard').removed, ['shop-guard']);
  assert.deepEqual(index.allCluster(), []);
});

const SERVICES = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIPs: [10.96.0.10, "fd00:96::10"]
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 9000, targetPort: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: web-pods, namespace: shop}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: probe, namespace: ops}
spec: {clusterIP: 10.96.0.30, selector: {app: probe}, ports: [{port: 7000}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ops}
spec: {clusterIP: 10.96.0.31, selector: {app: web}, ports: [{port: 80}]}
`;

const EGRESS_POLICY = `
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: probe-out}
spec:
  tier: Admin
  priority: 3
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: probe}}}}
  egress:
  - {action: Deny, to: [{namespaces: {matchLabels: {team: shop}}}], ports: [{namedPort: http}]}
  - {action: Accept, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: probe}}}}]}
  - {action: Pass, to: [{networks: [10.96.0.0/16]}], ports: [{portNumber: {protocol: TCP, port: 9000}}]}
`;

test('egress holds the ClusterIPs of the Services a rule’s selector peers stand for, with its action and the service ports its ports admit', () => {
  const cluster = clusterOf(PODS, SERVICES, EGRESS_POLICY);
  const policy = cluster.clusterPolicy('probe-out');
  assert.ok(policy);
  const [endpoint] = clusterPolicyEndpointsFor(cluster, policy);
  assert.deepEqual(JSON.parse(JSON.stringify(endpoint?.spec.egress)), [
    // The pods, named ports resolved on each.
    { cidr: '10.0.0.1', ports: [{ protocol: 'TCP', port: 9090 }], action: 'Deny' },
    { cidr: '10.0.0.2', ports: [{ protocol: 'TCP', port: 8080 }], action: 'Deny' },
    { cidr: '10.0.1.1', action: 'Accept' },
    { cidr: '10.96.0.0/16', ports: [{ protocol: 'TCP', port: 9000 }], action: 'Pass' },
    // shop/web at both its ClusterIPs, on the service port whose target is http (not admin's 9000);
    // shop/web-pods is headless; ops/web's selector does not satisfy the probe peer.
    { cidr: '10.96.0.10', ports: [{ protocol: 'TCP', port: 80 }], action: 'Deny' },
    { cidr: '10.96.0.30', action: 'Accept' },
    { cidr: 'fd00:96::10', ports: [{ protocol: 'TCP', port: 80 }], action: 'Deny' },
  ]);
  // Ingress peers see the client's address, never a ClusterIP.
  const guarded = clusterOf(PODS, SERVICES, POLICY);
  const [guard] = clusterPolicyEndpointsFor(
    guarded,
    guarded.clusterPolicy('shop-guard') as ClusterNetworkPolicy,
  );
  assert.equal(
    guard?.spec.ingress?.some((entry) => entry.cidr.startsWith('10.96.')),
    false,
  );
});

test('a Service added, changed or deleted updates the cluster policies whose peers stand for it', () => {
  const index = new EndpointsIndex(clusterOf(PODS, EGRESS_POLICY, POLICY));
  const clusterIps = () =>
    index
      .clusterOf('probe-out')
      .flatMap((endpoint) => endpoint.spec.egress ?? [])
      .filter((entry) => entry.cidr.startsWith('10.96.0.') && !entry.cidr.includes('/'))
      .map((entry) => `${entry.cidr} ${entry.action} ${(entry.ports ?? []).map((p) => p.port).join(',')}`);
  assert.deepEqual(clusterIps(), []);
  const [web, , probe] = parseState(SERVICES, 'services');
  assert.ok(web && probe);
  const added = index.set(probe);
  assert.deepEqual([...added.updated], ['probe-out'], 'shop-guard’s peers stand for no Service');
  assert.deepEqual(clusterIps(), ['10.96.0.30 Accept ']);
  assert.deepEqual([...index.set(web).updated], ['probe-out']);
  assert.deepEqual(clusterIps(), ['10.96.0.10 Deny 80', '10.96.0.30 Accept ']);
  // Its selector changed to one the Accept rule's peer does not stand for: the entry goes.
  const [moved] = parseState(
    `apiVersion: v1
kind: Service
metadata: {name: probe, namespace: ops}
spec: {clusterIP: 10.96.0.30, selector: {app: other}, ports: [{port: 7000}]}`,
    'moved',
  );
  assert.ok(moved);
  assert.deepEqual([...index.set(moved).updated], ['probe-out']);
  assert.deepEqual(clusterIps(), ['10.96.0.10 Deny 80']);
  assert.deepEqual([...index.set(moved).updated], [], 'an unchanged Service updates nothing');
  assert.deepEqual([...index.delete('Service', 'shop/web').updated], ['probe-out']);
  assert.deepEqual(clusterIps(), []);
  const fresh = new EndpointsIndex(
    Cluster.of([...parseState(`${PODS}\n---\n${EGRESS_POLICY}\n---\n${POLICY}`, 'fresh'), moved]),
  );
  assert.equal(JSON.stringify(index.allCluster()), JSON.stringify(fresh.allCluster()));
});

test('a pod change computes again only the cluster policies the pod concerns, before or after', () => {
  const index = new EndpointsIndex(clusterOf(PODS, SERVICES, EGRESS_POLICY));
  const pod = (labels: string, ip: string) =>
    parseState(
      `apiVersion: v1
kind: Pod
metadata: {name: lone, namespace: ops, labels: {${labels}}}
status: {podIP: ${ip}}`,
      'pod',
    )[0] as Pod;
  assert.equal(
    index.set(pod('app: other', '10.0.9.9')).rebuilt,
    0,
    'neither subject, peer, address in networks nor backend',
  );
  const change = index.set(pod('app: probe', '10.0.9.9'));
  assert.equal(change.rebuilt, 1, 'now a subject (and a peer of the Accept)');
  assert.ok(change.updated.has('probe-out'));
  assert.equal(index.set(pod('app: other', '10.0.9.9')).rebuilt, 1, 'leaving is a change too');
  assert.equal(index.set(pod('app: other', '10.96.1.1')).rebuilt, 1, 'inside the networks of the Pass');
  assert.equal(index.delete('Pod', 'ops/lone').rebuilt, 1, 'and out again when deleted');
});

test('however pods come, change and go, the index’s ClusterPolicyEndpoints equal a build from scratch', () => {
  const policies = `${EGRESS_POLICY}
---
${POLICY}`;
  const podArbitrary = fc.record({
    name: fc.constantFrom('a', 'b', 'c'),
    namespace: fc.constantFrom('shop', 'ops'),
    app: fc.constantFrom('web', 'probe', 'db', 'other'),
    ip: fc.constantFrom('10.0.0.7', '10.0.1.7', '10.96.5.5', '10.9.9.9'),
    port: fc.constantFrom(8080, 9090),
  });
  fc.assert(
    fc.property(
      fc.array(fc.option(podArbitrary, { freq: 4 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (steps, deletions) => {
        const cluster = clusterOf(PODS, SERVICES, policies);
        const index = new EndpointsIndex(cluster);
        const live: string[] = [];
        steps.forEach((step, i) => {
          if (!step) {
            const key = live[(deletions[i] ?? 0) % Math.max(1, live.length)];
            if (key) index.delete('Pod', key);
            return;
          }
          const [pod] = parseState(
            `apiVersion: v1
kind: Pod
metadata: {name: ${step.name}, namespace: ${step.namespace}, labels: {app: ${step.app}}}
spec: {containers: [{name: c, ports: [{name: http, containerPort: ${step.port}}]}]}
status: {podIP: ${step.ip}}`,
            'pod',
          );
          assert.ok(pod);
          index.set(pod);
          live.push(`${step.namespace}/${step.name}`);
        });
        const fresh = new EndpointsIndex(cluster);
        assert.equal(JSON.stringify(index.allCluster()), JSON.stringify(fresh.allCluster()));
      },
    ),
    { numRuns: 150 },
  );
});
