import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from './cluster.ts';
import { destinationEnd, podEnd } from './endpoint.ts';
import { evaluate } from './evaluate.ts';
import { computeMatrix } from './matrix.ts';

const pod = (name: string, ips: string[], app = name) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: a, labels: {app: ${app}}}
status: {phase: Running, podIP: ${ips[0]}, podIPs: [${ips.map((ip) => `{ip: "${ip}"}`).join(', ')}]}
---`;

/**
 * a/s answers on IPv6 first; a/c3 speaks IPv4 first, and its IPv6 address is in the except of the
 * rule that admits IPv6. A connection to a/s goes to its primary (IPv6) address, so from a/c3's
 * IPv6 address: denied, whatever a/c3's own primary family. a/t6 and a/t4 differ only in their
 * primary family, outside every block, so from a/c3 one is reached over IPv6 and the other over IPv4.
 */
const cluster = Cluster.of(
  parseState(
    `${pod('s', ['fd00::1', '10.1.0.1'])}${pod('c3', ['10.1.0.3', 'fd00::a:3'])}${pod('c4', ['10.1.0.4', 'fd00::4'])}${pod('v4', ['10.1.0.5'])}${pod('t6', ['fd01::7', '10.2.0.7'], 't')}${pod('t4', ['10.2.0.8', 'fd01::8'], 't')}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: s-in, namespace: a}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: [s, t]}]}
  ingress:
  - from:
    - ipBlock: {cidr: "fd00::/64", except: ["fd00::a:0/112"]}
    - ipBlock: {cidr: 10.1.0.0/16}
`,
    'dual.yaml',
  ),
);

test('the matrix judges each pair in its destination’s family, as eval does, where pods’ primary families differ', () => {
  const ports = [{ port: 80, protocol: 'TCP' } as const];
  const matrix = computeMatrix(cluster, ports);
  const pods = cluster.allPods();
  for (const from of pods)
    for (const to of pods) {
      if (from === to) continue;
      const destination = destinationEnd(cluster, to, from);
      const evaluated = evaluate(cluster, podEnd(cluster, from, destination), destination, ports[0]);
      const name = `${from.metadata.name} → ${to.metadata.name}`;
      assert.equal(matrix.verdict(from, to, 0).allowed, evaluated.allowed, name);
    }
  const s = cluster.pod('a/s');
  const c3 = cluster.pod('a/c3');
  const c4 = cluster.pod('a/c4');
  assert.ok(s && c3 && c4);
  assert.equal(matrix.verdict(c3, s, 0).allowed, false, 'from fd00::a:3, in the except');
  assert.equal(matrix.verdict(c4, s, 0).allowed, true, 'from fd00::4');
});

test('a pod with no IPv6 address reaches a dual-stack pod whose primary address is IPv6 over IPv4', () => {
  const mixed = Cluster.of(
    parseState(
      `${pod('v4', ['10.1.0.5'])}${pod('dual', ['fd00::9', '10.3.0.9'])}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: v4-out, namespace: a}
spec:
  podSelector: {matchLabels: {app: v4}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.3.0.0/24}}]
`,
      'mixed.yaml',
    ),
  );
  const [v4, dual] = [mixed.pod('a/v4'), mixed.pod('a/dual')];
  assert.ok(v4 && dual);
  const port = { port: 80, protocol: 'TCP' } as const;
  const to = destinationEnd(mixed, dual, v4);
  assert.equal(to.ip?.family, 4);
  assert.equal(evaluate(mixed, podEnd(mixed, v4, to), to, port).allowed, true);
  assert.equal(computeMatrix(mixed, [port]).verdict(v4, dual, 0).allowed, true);
  // The other way, the dual-stack pod speaks IPv4 to it as well (its only family).
  assert.equal(destinationEnd(mixed, v4, dual).ip?.family, 4);
});
