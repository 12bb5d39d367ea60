import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from './cluster.ts';
import { evaluate } from './evaluate.ts';
import { ruleOrderWarnings } from './tiers.ts';

const STATE = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
status: {podIP: 10.0.0.2}
---
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: shop-pass}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {matchLabels: {team: shop}}}
  ingress:
  - {name: within-shop, action: Pass, from: [{namespaces: {matchLabels: {team: shop}}}]}
---
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: closed}
spec:
  tier: Baseline
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - {action: Deny, from: [{namespaces: {}}]}
`;

test('a Pass is told in the explanation, with the tier and rule that decided after it', () => {
  const cluster = Cluster.of(parseState(STATE, 'state'));
  const web = cluster.pod('shop/web');
  const db = cluster.pod('shop/db');
  assert.ok(web && db);
  const verdict = evaluate(
    cluster,
    { pod: web },
    { pod: db },
    { port: 5432, protocol: 'TCP' },
    { explain: true },
  );
  assert.equal(verdict.allowed, false);
  assert.equal(verdict.ingress.tier, 'Baseline');
  assert.equal(verdict.ingress.decidedBy?.policy, 'closed');
  assert.deepEqual(
    verdict.ingress.passedBy?.map((match) => [match.tier, match.policy, match.ruleName, match.action]),
    [['Admin', 'shop-pass', 'within-shop', 'Pass']],
  );
  assert.equal(
    verdict.ingress.summary,
    'the Admin tier passes it on (ClusterNetworkPolicy shop-pass (priority 1) ingress rule 0 "within-shop" (Pass)); ingress denied in the Baseline tier by ClusterNetworkPolicy closed (priority 1) ingress rule 0 (Deny) of shop/db, which matches shop/web on 5432/TCP',
  );
  // Egress: no cluster policy has egress rules, no NetworkPolicy isolates: open, decided by no tier.
  assert.equal(verdict.egress.tier, 'None');
  assert.equal(verdict.egress.passedBy, undefined);
});

test('rules that read as ordered but are not warn, naming the earlier rule and the one that overrules it', () => {
  const [policy] = parseState(
    `apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: monitoring-then-nothing}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {}}
  ingress:
  - {name: monitoring, action: Accept, from: [{namespaces: {matchLabels: {team: monitoring}}}]}
  - {name: nothing-else, action: Deny, from: [{namespaces: {}}]}
  egress:
  - {action: Deny, to: [{networks: [10.0.0.0/8]}]}
  - {action: Pass, to: [{networks: [10.1.0.0/16]}]}
  - {action: Accept, to: [{networks: [10.2.0.0/16]}]}`,
    'test.yaml',
  );
  assert.ok(policy?.kind === 'ClusterNetworkPolicy');
  assert.deepEqual(
    ruleOrderWarnings(policy).map((warning) => warning.field),
    ['spec.ingress[0]'],
    'a Deny first, then Pass, then Accept, is already the order they are tried in',
  );
  assert.match(
    ruleOrderWarnings(policy)[0]?.message ?? '',
    /ingress rule 0 \(Accept\) comes before rule 1 \(Deny\), but rule order is not kept: where both match, Deny wins/,
  );
});
