import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterPolicyEndpoint } from '../../server/kube/cluster-policy-endpoint.ts';
import type { PolicyEndpoint } from '../../server/kube/policy-endpoint.ts';
import { parseState } from '../../server/kube/state-file.ts';
import { allows, compilePodRules, identityOf, ruleIdOf } from './compile.ts';
import { ACTION, MODE, TIER } from './layout.ts';

const POD = '10.77.0.5';
const WEB = identityOf('shop/web', [POD]);

function endpoints(...specs: string[]): PolicyEndpoint[] {
  const yaml = specs.map(
    (spec, i) => `kind: PolicyEndpoint
metadata: {name: pe-${i}, namespace: shop}
spec:
  policyRef: {name: policy-${i}, namespace: shop}
  podSelectorEndpoints: [{podIP: ${POD}, hostIP: 10.99.0.1, name: web, namespace: shop}]
${spec}`,
  );
  return parseState(yaml.join('\n---\n'), 'test.yaml').filter((object) => object.kind === 'PolicyEndpoint');
}

test('a direction no PolicyEndpoint isolates stays open', () => {
  const rules = compilePodRules(WEB, endpoints('  podIsolation: [Ingress]'));
  assert.equal(rules.ingress.mode, MODE.enforce);
  assert.equal(rules.egress.mode, MODE.allowAll);
  assert.equal(allows(rules.ingress, '10.77.0.9', 80, 6), false, 'isolated with no rule: nothing');
  assert.equal(
    compilePodRules(identityOf('shop/other', ['10.77.0.6']), endpoints('  podIsolation: [Ingress]')).ingress
      .mode,
    MODE.allowAll,
  );
});

test('a PolicyEndpoint speaks only for the directions it isolates (egress rules of an Ingress-only policy are ignored)', () => {
  const rules = compilePodRules(
    WEB,
    endpoints(
      `  podIsolation: [Ingress]
  egress: [{cidr: 10.88.0.0/16}]`,
      '  podIsolation: [Egress]',
    ),
  );
  assert.equal(rules.egress.mode, MODE.enforce);
  assert.equal(
    allows(rules.egress, '10.88.0.1', 443, 6),
    false,
    'as upstream: policyTypes [Ingress] ignores egress rules',
  );
});

test('an except prefix gets the union of the other rules covering it, or nothing', () => {
  const rules = compilePodRules(
    WEB,
    endpoints(
      `  podIsolation: [Ingress]
  ingress:
    - {cidr: 10.0.0.0/8, except: [10.1.0.0/16], ports: [{protocol: TCP, port: 80}]}
    - {cidr: 10.1.2.0/24, ports: [{protocol: UDP, port: 53}]}`,
      `  podIsolation: [Ingress]
  ingress: [{cidr: 0.0.0.0/0, ports: [{protocol: TCP, port: 443}]}]`,
    ),
  );
  const ingress = rules.ingress;
  assert.equal(allows(ingress, '10.9.9.9', 80, 6), true);
  assert.equal(allows(ingress, '10.9.9.9', 443, 6), true, 'the /0 of the other policy covers it too');
  assert.equal(allows(ingress, '10.1.9.9', 80, 6), false, 'excepted from the /8');
  assert.equal(allows(ingress, '10.1.9.9', 443, 6), true, 'the /0 still covers the except');
  assert.equal(allows(ingress, '10.1.2.3', 53, 17), true, 'a block inside the except has its own rule');
  assert.equal(allows(ingress, '10.1.2.3', 80, 6), false);
  assert.equal(allows(ingress, '192.0.2.1', 80, 6), false);
  const except = [...ingress.prefixes.values()].find(({ block }) => block.prefix === 16);
  assert.deepEqual(
    except?.ranges.map((range) => [range.protocol, range.start, range.end, range.ruleId]),
    [[6, 443, 443, ruleIdOf('shop/policy-1')]],
  );
});

test('ports: ranges, any port of a protocol, any protocol; pod IPs are full-length prefixes', () => {
  const rules = compilePodRules(
    WEB,
    endpoints(`  podIsolation: [Egress]
  egress:
    - {cidr: 10.77.0.9, ports: [{protocol: TCP, port: 8000, endPort: 8100}, {protocol: UDP}]}
    - {cidr: 10.77.0.10}`),
  );
  const egress = rules.egress;
  assert.equal(allows(egress, '10.77.0.9', 8050, 6), true);
  assert.equal(allows(egress, '10.77.0.9', 8101, 6), false);
  assert.equal(allows(egress, '10.77.0.9', 9999, 17), true);
  assert.equal(allows(egress, '10.77.0.10', 1, 132), true);
  assert.equal(allows(egress, '10.77.0.11', 80, 6), false);
});

test('more port ranges than the kernel value holds are joined where they touch, admitting the same ports', () => {
  const ports = Array.from({ length: 30 }, (_, i) => `{protocol: TCP, port: ${1000 + i}}`).join(', ');
  const rules = compilePodRules(
    WEB,
    endpoints(`  podIsolation: [Ingress]\n  ingress: [{cidr: 10.0.0.0/8, ports: [${ports}]}]`),
  );
  const [entry] = rules.ingress.prefixes.values();
  assert.deepEqual(
    entry?.ranges.map((range) => [range.start, range.end]),
    [[1000, 1029]],
  );
  const scattered = Array.from({ length: 30 }, (_, i) => `{protocol: TCP, port: ${1000 + 2 * i}}`).join(', ');
  const closed = compilePodRules(
    WEB,
    endpoints(
      `  podIsolation: [Ingress, Egress]\n  ingress: [{cidr: 10.0.0.0/8, ports: [${scattered}]}]\n  egress: [{cidr: 10.1.0.0/16}]`,
    ),
  );
  assert.equal(closed.ingress.mode, MODE.denyAll, 'a direction the datapath cannot hold fails closed');
  assert.equal(
    closed.ingress.failure,
    'PolicyEndpoint shop/pe-0: spec.ingress[0]: 10.0.0.0/8 has 30 distinct port ranges (with every rule covering it); the datapath holds 24',
  );
  assert.equal(closed.egress.mode, MODE.enforce, 'the other direction is still enforced');
  assert.equal(allows(closed.egress, '10.1.2.3', 80, 6), true);
});

test('an unparsable address fails its direction closed, naming the PolicyEndpoint and field', () => {
  const rules = compilePodRules(
    WEB,
    endpoints('  podIsolation: [Egress]\n  egress: [{cidr: 10.0.0.0/8, except: [not-an-ip]}]'),
  );
  assert.equal(rules.egress.mode, MODE.denyAll);
  assert.equal(
    rules.egress.failure,
    'PolicyEndpoint shop/pe-0: spec.egress[0].except[0]: invalid address "not-an-ip"',
  );
  assert.equal(rules.ingress.mode, MODE.allowAll);
});

test('entries are bound to the pod by namespace and name, not only its IP', () => {
  const stale = endpoints('  podIsolation: [Ingress]');
  assert.equal(compilePodRules(WEB, stale).ingress.mode, MODE.enforce);
  // Another pod with the deleted pod's IP does not inherit its entries.
  assert.equal(compilePodRules(identityOf('shop/new-web', [POD]), stale).ingress.mode, MODE.allowAll);
  assert.equal(compilePodRules(identityOf('other/web', [POD]), stale).ingress.mode, MODE.allowAll);
  // A dual-stack pod is found by any of its IPs.
  assert.equal(compilePodRules(identityOf('shop/web', ['fd00::5', POD]), stale).ingress.mode, MODE.enforce);
});

test('IPv4 and IPv6 rules never cover each other', () => {
  const rules = compilePodRules(
    WEB,
    endpoints('  podIsolation: [Egress]\n  egress: [{cidr: "::/0", ports: [{protocol: TCP, port: 80}]}]'),
  );
  assert.equal(allows(rules.egress, 'fd00::1', 80, 6), true);
  assert.equal(allows(rules.egress, '10.0.0.1', 80, 6), false);
  assert.equal(
    allows(rules.egress, '::ffff:10.0.0.1', 80, 6),
    true,
    'a mapped address in an IPv6 packet is IPv6',
  );
});

function clusterEndpoints(...specs: string[]): ClusterPolicyEndpoint[] {
  const yaml = specs.map(
    (spec) => `kind: ClusterPolicyEndpoint
apiVersion: networking.k8s.aws/v1alpha1
${spec}`,
  );
  return parseState(yaml.join('\n---\n'), 'test.yaml').filter(
    (object): object is ClusterPolicyEndpoint => object.kind === 'ClusterPolicyEndpoint',
  );
}

test('every chunk of a policy applies to a pod one of its chunks lists', () => {
  const chunks = parseState(
    `kind: PolicyEndpoint
metadata: {name: pe-0, namespace: shop}
spec:
  policyRef: {name: big, namespace: shop}
  podIsolation: [Ingress]
  podSelectorEndpoints: [{podIP: ${POD}, hostIP: 10.99.0.1, name: web, namespace: shop}]
---
kind: PolicyEndpoint
metadata: {name: pe-1, namespace: shop}
spec:
  policyRef: {name: big, namespace: shop}
  podIsolation: [Ingress]
  ingress: [{cidr: 10.88.0.0/16, ports: [{protocol: TCP, port: 80}]}]`,
    'test.yaml',
  ).filter((object) => object.kind === 'PolicyEndpoint');
  const cluster = clusterEndpoints(
    `metadata: {name: deny-0}
spec:
  policyRef: {name: deny}
  tier: Admin
  priority: 3
  podSelectorEndpoints: [{podIP: ${POD}, hostIP: 10.99.0.1, name: web, namespace: shop}]`,
    `metadata: {name: deny-1}
spec:
  policyRef: {name: deny}
  tier: Admin
  priority: 3
  egress: [{cidr: 10.89.0.0/16, action: Deny}]`,
  );
  const rules = compilePodRules(WEB, chunks, cluster);
  assert.equal(allows(rules.ingress, '10.88.0.1', 80, 6), true, 'the second chunk’s ingress entry applies');
  assert.equal(rules.egress.mode, MODE.enforceOpen);
  assert.equal(allows(rules.egress, '10.89.0.1', 80, 6), false, 'the second chunk’s Deny applies');
  assert.equal(allows(rules.egress, '10.90.0.1', 80, 6), true, 'what no tier decides passes');
});

test('a prefix’s ranges come in the order they are tried: Admin by priority and action, then NetworkPolicy; Baseline only where no NetworkPolicy isolates', () => {
  const listed = `podSelectorEndpoints: [{podIP: ${POD}, hostIP: 10.99.0.1, name: web, namespace: shop}]`;
  const cluster = clusterEndpoints(
    `metadata: {name: b}
spec: {policyRef: {name: b}, tier: Admin, priority: 7, ${listed}, ingress: [{cidr: 10.88.0.0/16, action: Accept, ports: [{protocol: TCP, port: 22}]}, {cidr: 10.88.0.0/16, action: Deny, ports: [{protocol: TCP, port: 22}]}]}`,
    `metadata: {name: a}
spec: {policyRef: {name: a}, tier: Admin, priority: 2, ${listed}, ingress: [{cidr: 10.88.0.0/16, action: Pass, ports: [{protocol: TCP, port: 443}]}]}`,
    `metadata: {name: base}
spec: {policyRef: {name: base}, tier: Baseline, priority: 1, ${listed}, ingress: [{cidr: 10.88.0.0/16, action: Deny}], egress: [{cidr: 10.88.0.0/16, action: Deny}]}`,
  );
  const rules = compilePodRules(
    WEB,
    endpoints(`  podIsolation: [Ingress]
  ingress: [{cidr: 10.88.0.0/16, ports: [{protocol: TCP, port: 80}]}]`),
    cluster,
  );
  const ranges = [...rules.ingress.prefixes.values()][0]?.ranges ?? [];
  assert.deepEqual(
    ranges.map((range) => [range.tier, range.action, range.start, range.ruleId]),
    [
      [TIER.admin, ACTION.pass, 443, ruleIdOf('a')],
      [TIER.admin, ACTION.deny, 22, ruleIdOf('b')],
      [TIER.networkPolicy, ACTION.allow, 80, ruleIdOf('shop/policy-0')],
    ],
    'the Accept of 22 after the Deny of 22 at the same priority can never match, so it is left out; the Baseline is not consulted under a NetworkPolicy',
  );
  assert.equal(rules.egress.mode, MODE.enforceOpen);
  assert.equal(allows(rules.egress, '10.88.0.1', 80, 6), false, 'the Baseline decides egress');
});
