import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { labCluster } from '../../server/lab/lab-store.ts';
import { CASES, PORTS_OF_INTEREST } from '../../server/policy/conformance/cases.ts';
import { layoutYaml, POD_KEYS } from '../../server/policy/conformance/layout.ts';
import { evaluate } from '../../server/policy/evaluate.ts';
import { labApply, labPod, labProbe } from './lab.ts';
import { startLab, stopLab } from './testing-lab.ts';

/**
 * The kernel against the model: for every conformance case, the case's policies go through the
 * lab's controller into PolicyEndpoints and the agents' eBPF programs, and every ordered pair of
 * the layout's pods is probed with real TCP and UDP packets on ports 80 and 81. Each result must
 * be the model's verdict. (Cases' extra pods and outside addresses are the model's tests only.)
 */
const folder = mkdtempSync(join(tmpdir(), 'palisade-conformance-'));
const PORTS = PORTS_OF_INTEREST.map((key) => {
  const [port, protocol] = key.split('/');
  return { port: Number(port), protocol: protocol as 'TCP' | 'UDP' };
});

before(async () => {
  writeFileSync(join(folder, 'layout.yaml'), layoutYaml());
  await startLab([join(folder, 'layout.yaml')]);
});
after(() => stopLab());

test('kernel verdicts equal the model’s on every conformance case, with real packets', async () => {
  const mismatches: string[] = [];
  for (const c of CASES) {
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
        targets.forEach((target, i) => {
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
          if (kernel !== model) {
            mismatches.push(
              `${c.name}: ${from} → ${target.to} ${target.port}/${target.protocol}: model ${model ? 'allows' : 'denies'}, kernel ${kernel ? 'allowed' : 'dropped'}`,
            );
          }
        });
      }),
    );
  }
  assert.deepEqual(
    mismatches,
    [],
    `${mismatches.length} kernel verdicts differ from the model:\n${mismatches.join('\n')}`,
  );
});
