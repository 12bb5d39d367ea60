import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from './cluster.ts';
import { draftAllowingPolicies, suggestPolicy } from './draft-policy.ts';
import { evaluate } from './evaluate.ts';

const walkthrough = (file: string) =>
  readFileSync(new URL(`../../examples/walkthrough/${file}`, import.meta.url), 'utf8');

test('a drafted policy allows exactly the denied connection, on each side that denied it', () => {
  const cluster = Cluster.of([
    ...parseState(walkthrough('cluster.yaml'), 'cluster.yaml'),
    ...parseState(walkthrough('policies/01-deny-all-ingress.yaml'), 'p1'),
    ...parseState(walkthrough('policies/06-deny-egress-from-client-one.yaml'), 'p6'),
  ]);
  const pod = (key: string) => {
    const found = cluster.pod(key);
    assert.ok(found);
    return { pod: found, ip: cluster.ipOf(found) };
  };
  const [client, app, other] = [
    pod('default/client-one'),
    pod('default/demo-app'),
    pod('another-ns/another-client-one'),
  ];
  const target = { port: 80, protocol: 'TCP' } as const;
  const before = evaluate(cluster, client, app, target);
  assert.equal(before.egress.allowed || before.ingress.allowed, false);
  const yaml = draftAllowingPolicies(before, client, app);
  const drafts = parseState(yaml, 'draft');
  assert.equal(drafts.length, 2, 'one policy per denying side');
  for (const draft of drafts) cluster.set(draft);
  assert.equal(evaluate(cluster, client, app, target).allowed, true);
  // Least privilege: nothing else opened.
  assert.equal(evaluate(cluster, client, app, { port: 81, protocol: 'TCP' }).allowed, false);
  assert.equal(evaluate(cluster, other, app, target).allowed, false);
  // Across namespaces the peer names the other namespace.
  const cross = evaluate(cluster, other, app, target);
  const crossDraft = draftAllowingPolicies(cross, other, app);
  assert.match(crossDraft, /kubernetes\.io\/metadata\.name: another-ns/);
  for (const draft of parseState(crossDraft, 'draft')) cluster.set(draft);
  assert.equal(evaluate(cluster, other, app, target).allowed, true);
  assert.equal(
    draftAllowingPolicies(evaluate(cluster, other, app, target), other, app),
    '',
    'nothing to draft when allowed',
  );
});

test('a suggested policy allows exactly the traffic observed on the pod', () => {
  const cluster = Cluster.of(parseState(walkthrough('cluster.yaml'), 'cluster.yaml'));
  const observed = [
    {
      pod: 'default/demo-app',
      direction: 'ingress',
      src: '10.77.2.10',
      dst: '10.77.1.10',
      dport: 80,
      protocol: 6,
    },
    {
      pod: 'default/demo-app',
      direction: 'ingress',
      src: '10.77.2.10',
      dst: '10.77.1.10',
      dport: 80,
      protocol: 6,
    },
    {
      pod: 'default/demo-app',
      direction: 'egress',
      src: '10.77.1.10',
      dst: '10.77.2.53',
      dport: 53,
      protocol: 17,
    },
    {
      pod: 'default/client-one',
      direction: 'egress',
      src: '10.77.2.10',
      dst: '10.77.1.10',
      dport: 80,
      protocol: 6,
    },
  ] as const;
  const yaml = suggestPolicy(cluster, 'default/demo-app', observed);
  const [policy] = parseState(yaml, 'suggestion');
  assert.ok(policy?.kind === 'NetworkPolicy');
  assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']);
  cluster.set(policy);
  const pod = (key: string) => {
    const found = cluster.pod(key);
    assert.ok(found);
    return { pod: found, ip: cluster.ipOf(found) };
  };
  const [app, client, other, dns] = [
    'default/demo-app',
    'default/client-one',
    'another-ns/another-client-one',
    'kube-system/coredns',
  ].map(pod);
  assert.ok(app && client && other && dns);
  assert.equal(evaluate(cluster, client, app, { port: 80, protocol: 'TCP' }).allowed, true);
  assert.equal(
    evaluate(cluster, other, app, { port: 80, protocol: 'TCP' }).allowed,
    false,
    'not observed: denied',
  );
  assert.equal(evaluate(cluster, app, dns, { port: 53, protocol: 'UDP' }).allowed, true);
  assert.equal(evaluate(cluster, app, dns, { port: 53, protocol: 'TCP' }).allowed, false);
  assert.equal(suggestPolicy(cluster, 'default/demo-app', []), '');
});

test('a suggestion from traffic to a ClusterIP selects the Service’s pods on its targetPort', () => {
  const cluster = Cluster.of(parseState(walkthrough('cluster.yaml'), 'cluster.yaml'));
  const yaml = suggestPolicy(cluster, 'default/client-one', [
    {
      pod: 'default/client-one',
      direction: 'egress',
      src: '10.77.2.10',
      dst: '10.96.0.80',
      dport: 80,
      protocol: 6,
    },
    {
      pod: 'default/client-one',
      direction: 'egress',
      src: '10.77.2.10',
      dst: '10.96.0.10',
      dport: 53,
      protocol: 17,
    },
  ]);
  const [policy] = parseState(yaml, 'suggested');
  assert.ok(policy?.kind === 'NetworkPolicy');
  assert.deepEqual(
    policy.egress.map((rule) => [rule.peers[0]?.podSelector?.matchLabels, rule.ports[0]?.port]),
    [
      [{ app: 'demo-app' }, 'http'],
      [{ 'k8s-app': 'kube-dns' }, 53],
    ],
  );
  assert.deepEqual(policy.egress[1]?.peers[0]?.namespaceSelector?.matchLabels, {
    'kubernetes.io/metadata.name': 'kube-system',
  });
});
