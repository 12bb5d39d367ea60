import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from '../policy/cluster.ts';
import { explainConnection, parseExplainQuery } from './explain-connection.ts';

const walkthrough = (file: string) =>
  readFileSync(new URL(`../../examples/walkthrough/${file}`, import.meta.url), 'utf8');
const explain = (cluster: Cluster, query: string) =>
  explainConnection(cluster, parseExplainQuery(new URLSearchParams(query)));
const cluster = Cluster.of([
  ...parseState(walkthrough('cluster.yaml'), 'cluster.yaml'),
  ...parseState(walkthrough('policies/01-deny-all-ingress.yaml'), 'p1'),
]);

test('a denied flow, named by addresses as agents report it, is explained by the policy that isolates', () => {
  const verdict = explain(cluster, 'from=10.77.2.10&to=10.77.1.10&port=80&protocol=tcp');
  assert.equal(verdict.from, 'default/client-one');
  assert.equal(verdict.allowed, false);
  assert.deepEqual(verdict.ingress.policies, ['default/demo-app-deny-all']);
  assert.match(verdict.ingress.summary ?? '', /isolated for ingress by default\/demo-app-deny-all/);
  assert.match(verdict.draft, /kind: NetworkPolicy[\s\S]*ingress:[\s\S]*app: client-one/);
});

test('bad parameters name the field', () => {
  assert.throws(
    () => explain(cluster, 'from=x/y&to=10.77.1.10&port=80'),
    (error: { field?: string }) => error.field === 'from',
  );
  assert.throws(
    () => explain(cluster, 'from=10.77.2.10&to=10.77.1.10&port=0'),
    (error: { field?: string }) => error.field === 'port',
  );
});

test('a flow to a ClusterIP is explained through its Service, with drafts that open both the ClusterIP and the backend', () => {
  const denied = Cluster.of([
    ...parseState(walkthrough('cluster.yaml'), 'cluster.yaml'),
    ...parseState(walkthrough('policies/01-deny-all-ingress.yaml'), 'p1'),
    ...parseState(walkthrough('policies/06-deny-egress-from-client-one.yaml'), 'p6'),
  ]);
  const verdict = explain(denied, 'from=10.77.2.10&to=10.96.0.80&port=80');
  assert.equal(verdict.to, 'svc/default/demo-app');
  assert.equal(verdict.allowed, false);
  assert.deepEqual(verdict.egress.policies, ['default/client-one-deny-egress']);
  assert.deepEqual(verdict.ingress.policies, ['default/demo-app-deny-all']);
  assert.equal(verdict.service?.backends[0]?.pod, 'default/demo-app');
  // The drafts, applied, let the connection through the ClusterIP.
  for (const draft of parseState(verdict.draft, 'draft')) denied.set(draft);
  const after = explain(denied, 'from=default/client-one&to=svc/default/demo-app&port=80');
  assert.equal(after.allowed, true, after.service?.summary);
  assert.match(verdict.draft, /podSelector:\n\s+matchLabels:\n\s+app: demo-app\n\s+ports:\n\s+- port: http/);
});

test('bad Service parameters name the field', () => {
  assert.throws(
    () => explain(cluster, 'from=10.77.2.10&to=svc/default/nothing&port=80'),
    (error: { field?: string }) => error.field === 'to',
  );
  assert.throws(
    () => explain(cluster, 'from=10.77.2.10&to=10.96.0.80&port=81'),
    (error: { field?: string; message: string }) =>
      error.field === 'port' && /listens on 80\/TCP/.test(error.message),
  );
  assert.throws(
    () => explain(cluster, 'from=10.77.2.10&to=10.96.0.80&port=80&backend=x/y'),
    (error: { field?: string; message: string }) =>
      error.field === 'backend' &&
      /x\/y is not a backend of .*its backends: default\/demo-app/.test(error.message),
  );
});
