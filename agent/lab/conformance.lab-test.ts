import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { labCluster, readAgentReport } from '../../server/lab/lab-store.ts';
import { requireLab } from '../../server/lab/lab-writes.ts';
import { CASES, PORTS_OF_INTEREST } from '../../server/policy/conformance/cases.ts';
import { layoutYaml, POD_KEYS } from '../../server/policy/conformance/layout.ts';
import { TIER_CASES } from '../../server/policy/conformance/tier-cases.ts';
import { evaluate } from '../../server/policy/evaluate.ts';
import { labApply, labPod, labProbe } from './lab.ts';
import type { ProbeTarget } from './probe.ts';
import { startLab, stopLab } from './testing-lab.ts';

/**
 * The kernel against the model: for every conformance case, the case's policies go through the
 * lab's controller into PolicyEndpoints and the agents' eBPF programs, and every ordered pair of
 * the layout's pods is probed with real TCP and UDP packets on ports 80 and 81. Each result must
 * be the model's verdict. (Cases' extra pods and outside addresses are the model's tests only.)
 * It runs on an IPv4 lab, then on a dual-stack lab whose pods' primary IPs are IPv6 (a third of
 * the cases); the cluster tiers' cases (ClusterNetworkPolicies through ClusterPolicyEndpoints) run
 * on the IPv4 lab, a third of them on the dual-stack one.
 */
const folder = mkdtempSync(join(tmpdir(), 'palisade-conformance-'));
const PORTS = PORTS_OF_INTEREST.map((key) => {
  const [port, protocol] = key.split('/');
  return { port: Number(port), protocol: protocol as 'TCP' | 'UDP' };
});

/**
 * A probe's answer that the model allows, given more time: on a loaded machine (two cores running
 * a lab of agents) a connect can miss the first probe's 400 ms. A probe the model denies gets no
 * second chance: a packet let through is a failure however long it took.
 */
async function confirmedDrop(from: string, target: ProbeTarget): Promise<boolean> {
  const [again] = await labProbe(from, [target], 3000);
  return again?.connected !== true;
}

/** Every case's verdicts, probed in the lab as it stands; returns the mismatches. */
async function mismatchesOf(cases: readonly (typeof CASES)[number][]): Promise<string[]> {
  const mismatches: string[] = [];
  for (const c of cases) {
    const before = mismatches.length;
    const file = join(folder, `${c.name}.yaml`);
    writeFileSync(file, c.policies.trim() === '' ? '' : c.policies);
    await labApply([file], { replacePolicies: true });
    const cluster = labCluster();
    await Promise.all(
      POD_KEYS.map(async (from) => {
        const targets = POD_KEYS.filter((to) => to !== from).flatMap((to) =>
          PORTS.map((port) => ({ to, host: labPod(to).ip, port: port.port, protocol: port.protocol })),
        );
        const results = await labProbe(from, targets, 400);
        for (const [i, target] of targets.entries()) {
          const source = cluster.pod(from);
          const destination = cluster.pod(target.to);
          assert.ok(source && destination);
          const model = evaluate(
            cluster,
            { pod: source, ip: cluster.ipOf(source) },
            { pod: destination, ip: cluster.ipOf(destination) },
            target,
          ).allowed;
          const kernel = results[i]?.connected === true;
          if (kernel === model || (model && !(await confirmedDrop(from, target)))) continue;
          mismatches.push(
            `${c.name}: ${from} → ${target.to} (${target.host}) ${target.port}/${target.protocol}: model ${model ? 'allows' : 'denies'}, kernel ${kernel ? 'allowed' : 'dropped'} (after ${results[i]?.ms} ms${model ? ', and again within 3 s' : ''})`,
          );
        }
      }),
    );
    if (mismatches.length > before) mismatches.push(...agentFailures(c.name));
  }
  return mismatches;
}

/** What the agents could not program, if anything: it explains drops better than packets do. */
function agentFailures(name: string): string[] {
  return requireLab().nodes.flatMap((node) => {
    const report = readAgentReport(node.name);
    return report?.failClosed || report?.podErrors
      ? [
          `${name}: agent of ${node.name}: ${JSON.stringify({ failClosed: report.failClosed, podErrors: report.podErrors })}`,
        ]
      : [];
  });
}

/**
 * The cases probed over IPv6 too: every third, spread over the list so that every kind of rule
 * (isolation, selectors, expressions, ipBlock and except, ports, ranges, named ports, and each
 * tier's actions) is among them. All of them would double the test's time (about 2.5 minutes a
 * family here).
 */
const IPV6_CASES = [...CASES, ...TIER_CASES].filter((_, i) => i % 3 === 0);

const layoutFile = join(folder, 'layout.yaml');
before(() => writeFileSync(layoutFile, layoutYaml()));
after(() => stopLab());

test('kernel verdicts equal the model’s on every conformance case, with real packets', async () => {
  await startLab([layoutFile]);
  const mismatches = await mismatchesOf(CASES);
  assert.deepEqual(
    mismatches,
    [],
    `${mismatches.length} kernel verdicts differ from the model:\n${mismatches.join('\n')}`,
  );
});

test('kernel verdicts equal the model’s on every cluster tier case: Admin, NetworkPolicy, Baseline', async () => {
  await startLab([layoutFile]);
  const mismatches = await mismatchesOf(TIER_CASES);
  assert.deepEqual(
    mismatches,
    [],
    `${mismatches.length} kernel verdicts differ from the model in the tiers:\n${mismatches.join('\n')}`,
  );
});

test('the same over IPv6: a dual-stack lab whose pods’ primary IPs are IPv6', async () => {
  await startLab([layoutFile], { ipv6: true });
  assert.ok(labPod(POD_KEYS[0]).ip.includes(':'), 'pods are probed at their IPv6 addresses');
  const mismatches = await mismatchesOf(IPV6_CASES);
  assert.deepEqual(
    mismatches,
    [],
    `${mismatches.length} kernel verdicts differ from the model over IPv6:\n${mismatches.join('\n')}`,
  );
});
