import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeObject } from '../kube/objects.ts';
import { parseState } from '../kube/state-file.ts';
import { Cluster, type ClusterObject } from './cluster.ts';
import { layoutYaml } from './conformance/layout.ts';
import type { PortProtocol } from './endpoint.ts';
import { evaluate, type SideVerdict } from './evaluate.ts';
import { computeMatrix } from './matrix.ts';
import { clusterIpCases } from './testing-cluster-ip.ts';

/**
 * Property tests of the tiers over the conformance layout (x, y, z × a, b, c; 80/81 on TCP and
 * UDP), with Services in front of some of its pods: a named target, a target that is not the
 * service port's number, and one without a selector (only peers selecting every pod stand for it).
 */
const service = (namespace: string, name: string, clusterIP: string, spec: object) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { clusterIP, ...spec },
  });
const LAYOUT = parseState(
  [
    layoutYaml(),
    service('x', 'svc-a', '10.96.1.1', {
      selector: { pod: 'a' },
      ports: [
        { name: 'web', port: 8080, targetPort: 'serve-80-tcp' },
        { name: 'dns', port: 5353, targetPort: 81, protocol: 'UDP' },
      ],
    }),
    service('y', 'svc-b', '10.96.1.2', {
      selector: { pod: 'b' },
      ports: [
        { name: 'http', port: 80 },
        { name: 'echo', port: 81, protocol: 'UDP' },
      ],
    }),
    service('z', 'svc-manual', '10.96.1.3', { ports: [{ port: 81, protocol: 'TCP' }] }),
  ].join('\n---\n'),
  'layout',
);
const TARGETS: PortProtocol[] = [
  { port: 80, protocol: 'TCP' },
  { port: 81, protocol: 'UDP' },
];

const nsSelector = fc.oneof(
  fc.constant({}),
  fc.constantFrom('x', 'y', 'z').map((ns) => ({ matchLabels: { ns } })),
);
const podSelector = fc.oneof(
  fc.constant({}),
  fc.constantFrom('a', 'b', 'c').map((pod) => ({ matchLabels: { pod } })),
);
const selectorPeer = fc.oneof(
  nsSelector.map((namespaces) => ({ namespaces })),
  fc.record({ namespaceSelector: nsSelector, podSelector }).map((pods) => ({ pods })),
);
const ports = fc.option(
  fc.array(
    fc.oneof(
      fc.constantFrom(80, 81).map((port) => ({ portNumber: { protocol: 'TCP', port } })),
      fc.constant({ portRange: { protocol: 'UDP', start: 80, end: 81 } }),
      fc.constantFrom('serve-80-tcp', 'serve-81-udp').map((namedPort) => ({ namedPort })),
    ),
    { minLength: 1, maxLength: 2 },
  ),
  { nil: undefined },
);
const action = fc.constantFrom('Accept', 'Deny', 'Pass');
const ingressRule = fc.record({
  action,
  from: fc.array(selectorPeer, { minLength: 1, maxLength: 2 }),
  ports,
});
const egressRule = fc.record({
  action,
  to: fc.array(
    fc.oneof(
      selectorPeer,
      // Pods' networks, and networks holding ClusterIPs.
      fc
        .constantFrom('10.77.10.0/24', '10.77.20.2/32', '10.96.1.0/30', '10.96.1.2/32')
        .map((cidr) => ({ networks: [cidr] })),
    ),
    { minLength: 1, maxLength: 2 },
  ),
  ports,
});
const clusterPolicy = fc.record({
  tier: fc.constantFrom('Admin', 'Baseline'),
  priority: fc.integer({ min: 1, max: 4 }),
  subject: selectorPeer,
  ingress: fc.array(ingressRule, { maxLength: 2 }),
  egress: fc.array(egressRule, { maxLength: 2 }),
});
const networkPolicy = fc.record({
  ns: fc.constantFrom('x', 'y', 'z'),
  podSelector,
  ingress: fc.array(
    fc.record({ from: fc.array(fc.record({ namespaceSelector: nsSelector }), { maxLength: 1 }) }),
    {
      maxLength: 1,
    },
  ),
  // Egress rules isolate for egress (none: no egress isolation), so the NetworkPolicy tier meets ClusterIPs too.
  egress: fc.array(
    fc.record({ to: fc.array(fc.record({ namespaceSelector: nsSelector, podSelector }), { maxLength: 1 }) }),
    { maxLength: 1 },
  ),
});

const scenario = fc.record({
  cluster: fc.array(clusterPolicy, { minLength: 1, maxLength: 4 }),
  network: fc.array(networkPolicy, { maxLength: 2 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function objectsOf(s: Scenario): ClusterObject[] {
  const tiers = s.cluster.map((spec, i) =>
    decodeObject({
      apiVersion: 'networking.k8s.aws/v1alpha1',
      kind: 'ClusterNetworkPolicy',
      metadata: { name: `cnp-${i}` },
      spec: Object.fromEntries(
        Object.entries(spec).filter(([, value]) => !Array.isArray(value) || value.length > 0),
      ),
    }),
  );
  const policies = s.network.map(({ ns, ...spec }, i) =>
    decodeObject({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `np-${i}`, namespace: ns },
      spec,
    }),
  );
  return [...LAYOUT, ...tiers, ...policies];
}

const sideOf = ({ allowed, tier, policies }: SideVerdict) => ({
  allowed,
  tier,
  policies: [...policies].sort(),
});
const runs = { numRuns: 150 };

test('the matrix and evaluate agree on every pair, port, side, deciding tier and policy', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const cluster = Cluster.of(objectsOf(s));
      const matrix = computeMatrix(cluster, TARGETS);
      for (const from of cluster.allPods())
        for (const to of cluster.allPods()) {
          if (from === to) continue;
          TARGETS.forEach((target, i) => {
            const one = evaluate(
              cluster,
              { pod: from, ip: cluster.ipOf(from) },
              { pod: to, ip: cluster.ipOf(to) },
              target,
            );
            const cell = matrix.verdict(from, to, i);
            const name = `${from.metadata.name}.${from.metadata.namespace} -> ${to.metadata.name}.${to.metadata.namespace} ${target.port}`;
            assert.deepEqual(sideOf(cell.egress), sideOf(one.egress), `${name} egress`);
            assert.deepEqual(sideOf(cell.ingress), sideOf(one.ingress), `${name} ingress`);
          });
        }
    }),
    runs,
  );
});

test('a side decided by a tier is decided by one of its rules; NetworkPolicy and Baseline never overrule an Admin Accept or Deny', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const objects = objectsOf(s);
      const cluster = Cluster.of(objects);
      // The same cluster without Baseline policies and NetworkPolicies: the Admin tier's own word.
      const adminOnly = Cluster.of(
        objects.filter(
          (object) =>
            object.kind !== 'NetworkPolicy' &&
            !(object.kind === 'ClusterNetworkPolicy' && object.tier === 'Baseline'),
        ),
      );
      for (const from of cluster.allPods())
        for (const to of cluster.allPods()) {
          if (from === to) continue;
          for (const target of TARGETS) {
            const ends = [{ pod: from }, { pod: to }] as const;
            const verdict = evaluate(cluster, ends[0], ends[1], target);
            const admin = evaluate(adminOnly, ends[0], ends[1], target);
            for (const side of ['egress', 'ingress'] as const) {
              const now = verdict[side];
              if (now.tier === 'Admin' || now.tier === 'Baseline') {
                assert.ok(now.decidedBy && now.decidedBy.action !== 'Pass');
                assert.equal(now.allowed, now.decidedBy.action === 'Accept');
                assert.deepEqual(now.policies, [now.decidedBy.policy]);
              }
              if (admin[side].tier === 'Admin')
                assert.deepEqual(
                  sideOf(now),
                  sideOf(admin[side]),
                  `${from.metadata.name} -> ${to.metadata.name}`,
                );
            }
          }
        }
    }),
    runs,
  );
});

test('through a ClusterIP, every tier judges egress as the kernel does on the controller’s entries', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      for (const { name, model, kernel } of clusterIpCases(Cluster.of(objectsOf(s))))
        assert.equal(kernel, model.egress.allowed, `${name} (model: ${model.egress.tier})`);
    }),
    runs,
  );
});
