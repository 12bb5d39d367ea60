import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseState } from '../../server/kube/state-file.ts';
import { Cluster } from '../../server/policy/cluster.ts';
import { evaluate } from '../../server/policy/evaluate.ts';
import { WALKTHROUGH } from './steps.ts';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

test('the article’s walkthrough, step by step, gives the verdicts the article reports', () => {
  const cluster = Cluster.of(parseState(read('cluster.yaml'), 'cluster.yaml'));
  for (const step of WALKTHROUGH) {
    if (step.policy) {
      for (const object of parseState(read(`policies/${step.policy}`), step.policy)) cluster.set(object);
    }
    for (const check of step.checks) {
      const from = cluster.pod(check.from);
      const to = cluster.pod(check.to);
      assert.ok(from && to, `${check.from} and ${check.to} exist`);
      const [port, protocol] = check.port.split('/');
      const verdict = evaluate(
        cluster,
        { pod: from, ip: cluster.ipOf(from) },
        { pod: to, ip: cluster.ipOf(to) },
        { port: Number(port), protocol: protocol as 'TCP' | 'UDP' },
        { explain: true },
      );
      assert.equal(
        verdict.allowed,
        check.allowed,
        `${step.title}: ${check.command} (${check.from} → ${check.to})`,
      );
    }
  }
});

test('each denial of the walkthrough is explained by the policy that caused it', () => {
  const cluster = Cluster.of(parseState(read('cluster.yaml'), 'cluster.yaml'));
  for (const object of parseState(read('policies/01-deny-all-ingress.yaml'), 'p')) cluster.set(object);
  const client = cluster.pod('default/client-one');
  const app = cluster.pod('default/demo-app');
  assert.ok(client && app);
  const verdict = evaluate(
    cluster,
    { pod: client },
    { pod: app },
    { port: 80, protocol: 'TCP' },
    { explain: true },
  );
  assert.equal(verdict.ingress.allowed, false);
  assert.deepEqual(verdict.ingress.policies, ['default/demo-app-deny-all']);
  assert.match(verdict.ingress.misses[0]?.reason ?? '', /has no ingress rules/);
  assert.equal(verdict.egress.isolated, false);
});
