import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseState } from '../../server/kube/state-file.ts';
import { Cluster } from '../../server/policy/cluster.ts';
import { evaluate } from '../../server/policy/evaluate.ts';
import { evaluateService } from '../../server/policy/evaluate-service.ts';
import { servicePortAt } from '../../server/policy/service.ts';
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
      const target = { port: Number(port), protocol: protocol as 'TCP' | 'UDP' };
      const source = { pod: from, ip: cluster.ipOf(from) };
      const direct = evaluate(cluster, source, { pod: to, ip: cluster.ipOf(to) }, target, { explain: true });
      assert.equal(
        direct.allowed,
        check.allowed,
        `${step.title}: ${check.command} (${check.from} → ${check.to})`,
      );
      if (!check.service) continue;
      // Through the Service's ClusterIP, as the article's commands go in EKS: the same verdict.
      const service = cluster.service(check.service);
      const servicePort = service && servicePortAt(service, target);
      assert.ok(service && servicePort, `${check.service} listens on ${check.port}`);
      const through = evaluateService(cluster, source, service, servicePort, { explain: true });
      assert.equal(
        through.allowed,
        check.allowed,
        `${step.title}: ${check.command} through svc/${check.service}: ${through.summary}`,
      );
      assert.deepEqual(
        through.backends.map((backend) => backend.pod),
        [check.to],
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
