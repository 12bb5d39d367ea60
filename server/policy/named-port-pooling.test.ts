import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterOf, podYaml } from '../controller/testing-cluster.ts';
import { evaluate } from './evaluate.ts';

test('a named port the kernel admits beyond the model (pooled over the pods a policy selects) is said in the explanation', () => {
  const cluster = clusterOf(
    podYaml('default', 'srv-a', { app: 'srv' }, '10.77.2.20', ['http:8080/TCP', 'alt:8081/TCP']),
    podYaml('default', 'srv-b', { app: 'srv' }, '10.77.2.21', ['http:8081/TCP']),
    podYaml('default', 'cli', { app: 'cli' }, '10.77.2.30'),
    podYaml('default', 'other', { app: 'other' }, '10.77.2.31'),
    JSON.stringify({
      kind: 'NetworkPolicy',
      metadata: { name: 'p-named', namespace: 'default' },
      spec: {
        podSelector: { matchLabels: { app: 'srv' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cli' } } }], ports: [{ port: 'http' }] }],
      },
    }),
  );
  const [cli, a, b] = ['default/cli', 'default/srv-a', 'default/srv-b'].map((key) => cluster.pod(key));
  assert.ok(cli && a && b);
  const end = (pod: typeof a) => ({ pod, ip: cluster.ipOf(pod) });
  const toA = evaluate(cluster, end(cli), end(a), { port: 8081, protocol: 'TCP' }, { explain: true });
  // Upstream: 8081 is alt on srv-a, not http, so denied; the note says what the kernel does.
  assert.equal(toA.allowed, false);
  assert.match(
    toA.ingress.misses[0]?.reason ?? '',
    /the kernel admits it all the same, as http is 8081 on default\/srv-b, another pod the policy selects/,
  );
  // Where the name stands for the port on the pod itself, no note.
  const toB = evaluate(cluster, end(cli), end(b), { port: 8081, protocol: 'TCP' }, { explain: true });
  assert.equal(toB.allowed, true);
  const elsewhere = evaluate(cluster, end(cli), end(a), { port: 9090, protocol: 'TCP' }, { explain: true });
  assert.doesNotMatch(elsewhere.ingress.misses[0]?.reason ?? '', /kernel/);
  // A peer the rule does not take is denied by the kernel too: no note.
  const other = cluster.pod('default/other');
  assert.ok(other);
  const fromOther = evaluate(cluster, end(other), end(a), { port: 8081, protocol: 'TCP' }, { explain: true });
  assert.equal(fromOther.allowed, false);
  assert.doesNotMatch(fromOther.ingress.misses[0]?.reason ?? '', /kernel/);
});
