import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseState } from '../../kube/state-file.ts';
import { cidrContains, parseCidr, parseIp } from '../../net/ip.ts';
import { Cluster } from '../cluster.ts';
import type { Endpoint, PortProtocol } from '../endpoint.ts';
import { evaluate, type SideVerdict } from '../evaluate.ts';
import { computeMatrix, type VerdictMatrix } from '../matrix.ts';
import { CASES, type ConformanceCase, PORTS_OF_INTEREST, type PortKey, type Table } from './cases.ts';
import {
  LAYOUT_PODS,
  layoutYaml,
  NAMESPACES,
  namespaceCidr,
  POD_CIDR,
  POD_KEYS,
  type PodKey,
  SERVED_PORTS,
} from './layout.ts';
import { TIER_CASES } from './tier-cases.ts';

const TARGETS: readonly PortProtocol[] = PORTS_OF_INTEREST.map(portOf);

function portOf(key: PortKey): PortProtocol {
  const [port, protocol] = key.split('/');
  return { port: Number(port), protocol: protocol as PortProtocol['protocol'] };
}

const word = (allowed: boolean) => (allowed ? 'allow' : 'deny');

/** The nine cells of a row, spaces dropped. */
const cellsOf = (row: string) => [...row.replaceAll(' ', '')];

function tableFor(c: ConformanceCase, port: PortKey): Table {
  const table = c.reach[port] ?? c.reach['*'];
  if (!table) throw new Error(`${c.name}: no table for ${port} and no '*'`);
  return table;
}

function clusterOf(c: ConformanceCase): Cluster {
  return Cluster.of(parseState([layoutYaml(), c.extraObjects ?? '', c.policies].join('---\n'), c.name));
}

function endpointOf(cluster: Cluster, name: string): Endpoint {
  if (name.includes('/')) {
    const pod = cluster.pod(name);
    assert.ok(pod, `no pod ${name}`);
    return { pod, ip: cluster.ipOf(pod) };
  }
  const ip = parseIp(name);
  assert.ok(ip, `${name} is neither ns/pod nor an IP address`);
  assert.equal(cluster.podByIp(name), undefined, `${name} belongs to a pod; checks use outside addresses`);
  return { ip };
}

function sameSide(a: SideVerdict, b: SideVerdict): boolean {
  return a.allowed === b.allowed && JSON.stringify(a.policies) === JSON.stringify(b.policies);
}

/** Every way the model departs from the case: from the expectation, or its two entry points from each other. */
function problemsOf(c: ConformanceCase, cluster: Cluster, matrix: VerdictMatrix): string[] {
  const problems: string[] = [];
  const verdicts = (from: string, to: string, portIndex: number) => {
    const source = endpointOf(cluster, from);
    const destination = endpointOf(cluster, to);
    const target = TARGETS[portIndex];
    assert.ok(target);
    const evaluated = evaluate(cluster, source, destination, target, { explain: true });
    const matrixVerdict =
      source.pod && destination.pod ? matrix.verdict(source.pod, destination.pod, portIndex) : undefined;
    return { evaluated, matrixVerdict };
  };
  const compare = (from: string, to: string, portIndex: number, expected: boolean) => {
    const port = PORTS_OF_INTEREST[portIndex];
    const { evaluated, matrixVerdict } = verdicts(from, to, portIndex);
    if (matrixVerdict && matrixVerdict.allowed !== expected) {
      problems.push(
        `${from} -> ${to} ${port}: expected ${word(expected)}, got ${word(matrixVerdict.allowed)} from computeMatrix`,
      );
    }
    if (evaluated.allowed !== expected) {
      problems.push(
        `${from} -> ${to} ${port}: expected ${word(expected)}, got ${word(evaluated.allowed)} from evaluate (${evaluated.egress.summary}; ${evaluated.ingress.summary})`,
      );
    }
  };

  PORTS_OF_INTEREST.forEach((port, portIndex) => {
    const table = tableFor(c, port);
    for (const [row, from] of POD_KEYS.entries()) {
      const cells = cellsOf(table[from]);
      for (const [column, to] of POD_KEYS.entries()) {
        if (row !== column) compare(from, to, portIndex, cells[column] === '.');
      }
    }
  });
  for (const check of c.checks ?? []) {
    compare(check.from, check.to, PORTS_OF_INTEREST.indexOf(check.port), check.allowed);
  }

  // The matrix and evaluate must agree on every pair of the cluster's pods, extra ones included.
  const pods = cluster.allPods();
  for (const source of pods) {
    for (const destination of pods) {
      if (source === destination) continue;
      const from = `${source.metadata.namespace}/${source.metadata.name}`;
      const to = `${destination.metadata.namespace}/${destination.metadata.name}`;
      PORTS_OF_INTEREST.forEach((port, portIndex) => {
        const { evaluated, matrixVerdict } = verdicts(from, to, portIndex);
        assert.ok(matrixVerdict);
        if (
          matrixVerdict.allowed !== evaluated.allowed ||
          !sameSide(matrixVerdict.egress, evaluated.egress) ||
          !sameSide(matrixVerdict.ingress, evaluated.ingress)
        ) {
          problems.push(
            `${from} -> ${to} ${port}: computeMatrix says ${word(matrixVerdict.allowed)} (egress ${word(matrixVerdict.egress.allowed)} by [${matrixVerdict.egress.policies}], ingress ${word(matrixVerdict.ingress.allowed)} by [${matrixVerdict.ingress.policies}]) but evaluate says ${word(evaluated.allowed)} (egress ${word(evaluated.egress.allowed)} by [${evaluated.egress.policies}], ingress ${word(evaluated.ingress.allowed)} by [${evaluated.ingress.policies}])`,
          );
        }
      });
    }
  }
  return problems;
}

test('there are at least 45 cases and 15 of tiers, with distinct names', () => {
  assert.ok(CASES.length >= 45, `only ${CASES.length} cases`);
  assert.ok(TIER_CASES.length >= 15, `only ${TIER_CASES.length} tier cases`);
  const names = [...CASES, ...TIER_CASES].map((c) => c.name);
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  assert.deepEqual(repeated, [], `repeated case names: ${repeated.join(', ')}`);
});

test('every truth table is well formed', () => {
  const problems: string[] = [];
  for (const c of [...CASES, ...TIER_CASES]) {
    if (c.rule.trim() === '') problems.push(`${c.name}: no rule described`);
    for (const port of PORTS_OF_INTEREST) {
      const table = c.reach[port] ?? c.reach['*'];
      if (!table) {
        problems.push(`${c.name}: no table for ${port}`);
        continue;
      }
      const rows = Object.keys(table);
      if (rows.length !== POD_KEYS.length || !POD_KEYS.every((key) => rows.includes(key))) {
        problems.push(`${c.name} ${port}: rows must be exactly ${POD_KEYS.join(', ')}`);
        continue;
      }
      for (const [row, from] of POD_KEYS.entries()) {
        const cells = cellsOf(table[from]);
        const wellFormed =
          cells.length === POD_KEYS.length &&
          cells.every((cell, column) => (column === row ? cell === '-' : cell === '.' || cell === 'X'));
        if (!wellFormed) {
          problems.push(
            `${c.name} ${port} row ${from}: "${table[from]}" needs 9 cells of . or X, with - for ${from} itself`,
          );
        }
      }
    }
    for (const check of c.checks ?? []) {
      if (!check.from.includes('/') && !check.to.includes('/')) {
        problems.push(`${c.name}: check ${check.from} -> ${check.to} involves no pod`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('the layout: namespaces x, y, z with pods a, b, c serving 80 and 81 over TCP and UDP', () => {
  const cluster = Cluster.of(parseState(layoutYaml(), 'layout'));
  assert.deepEqual(
    cluster.allNamespaces().map((namespace) => [namespace.metadata.name, namespace.metadata.labels]),
    NAMESPACES.map((name) => [name, { ns: name, 'kubernetes.io/metadata.name': name }]),
  );
  const pods = cluster.allPods();
  assert.deepEqual(
    pods.map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`),
    [...POD_KEYS],
  );
  const podCidr = parseCidr(POD_CIDR);
  assert.ok(podCidr);
  const ips = new Set<string>();
  for (const [i, pod] of pods.entries()) {
    const planned = LAYOUT_PODS[i];
    assert.ok(planned && pod.podIP);
    assert.equal(pod.podIP, planned.ip);
    assert.deepEqual(pod.metadata.labels, { pod: pod.metadata.name });
    const ip = parseIp(pod.podIP);
    const namespaceBlock = parseCidr(namespaceCidr(pod.metadata.namespace as (typeof NAMESPACES)[number]));
    assert.ok(ip && namespaceBlock);
    assert.ok(cidrContains(podCidr, ip) && cidrContains(namespaceBlock, ip), `${pod.podIP} out of place`);
    ips.add(pod.podIP);
    assert.deepEqual(
      pod.ports.map(({ name, containerPort, protocol }) => ({ name, port: containerPort, protocol })),
      SERVED_PORTS.map(({ name, port, protocol }) => ({ name, port, protocol })),
    );
  }
  assert.equal(ips.size, POD_KEYS.length, 'pod IPs must be distinct');
  assert.equal(LAYOUT_PODS.find((pod) => pod.key === ('x/a' satisfies PodKey))?.ip, '10.77.10.1');
});

for (const c of [...CASES, ...TIER_CASES]) {
  test(`conformance: ${c.name}`, () => {
    const cluster = clusterOf(c);
    const written = c.policies.match(/^kind: NetworkPolicy$/gm)?.length ?? 0;
    assert.equal(cluster.allPolicies().length, written, `${c.name}: every policy written must be read`);
    const tiered = c.policies.match(/^kind: ClusterNetworkPolicy$/gm)?.length ?? 0;
    assert.equal(cluster.allClusterPolicies().length, tiered, `${c.name}: every cluster policy must be read`);
    const matrix = computeMatrix(cluster, TARGETS);
    const problems = problemsOf(c, cluster, matrix);
    if (problems.length > 0) {
      assert.fail(`${c.name} (${c.rule})\n${problems.length} mismatches:\n${problems.join('\n')}`);
    }
  });
}
