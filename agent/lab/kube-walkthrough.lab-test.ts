import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WALKTHROUGH } from '../../examples/walkthrough/steps.ts';
import { TestingApiServer } from '../../server/kube-api/testing-api-server.ts';
import { labApply, labDown, labPod, labUp } from './lab.ts';
import { reaches } from './testing-lab.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const policies = `${ROOT}/examples/walkthrough/policies/`;

let api: TestingApiServer;
let controller: ChildProcess;

/**
 * The lab stands in for a cluster's kubelets: its pods are registered as Pod objects in a real API
 * server, `palisade controller` writes PolicyEndpoint objects there, and each lab node's agent
 * reads them from the API and enforces them in the kernel.
 */
before(async () => {
  api = await TestingApiServer.start();
  await api.kubectl(['apply', '-f', `${ROOT}/deploy/crd/policyendpoints.yaml`]);
  await api.kubectl(['wait', '--for=condition=established', 'crd/policyendpoints.networking.k8s.aws']);
  await labDown();
  const lab = await labUp(undefined, { kubeconfig: api.kubeconfig });
  if (lab.datapath !== 'ebpf') throw new Error(`this test needs the eBPF lab: ${lab.simulatedBecause}`);
  controller = spawn(`${ROOT}/bin/palisade`, ['controller', '--kubeconfig', api.kubeconfig], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
});

after(async () => {
  controller?.kill('SIGTERM');
  await labDown();
  await api?.stop();
});

/** Waits until `from` reaches `to` exactly when `allowed`, as enforcement catches up with kubectl. */
async function settles(from: string, to: string, port: string, allowed: boolean): Promise<boolean> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const result = await reaches(from, labPod(to).ip, port);
    if (result === allowed || Date.now() > deadline) return result;
    await sleep(200);
  }
}

test('the walkthrough with kubectl apply: controller, PolicyEndpoint objects and agents, with real packets', async () => {
  const pods = JSON.parse(await api.kubectl(['get', 'pods', '-A', '-o', 'json'])) as {
    items: { metadata: { name: string }; spec: { nodeName: string }; status: { podIP: string } }[];
  };
  for (const pod of pods.items) {
    const lab = labPod(`${(pod.metadata as { namespace?: string }).namespace}/${pod.metadata.name}`);
    assert.equal(pod.status.podIP, lab.ip);
    assert.equal(pod.spec.nodeName, lab.node);
  }
  for (const step of WALKTHROUGH) {
    if (step.policy) await api.kubectl(['apply', '-f', `${policies}${step.policy}`]);
    for (const check of step.checks) {
      assert.equal(
        await settles(check.from, check.to, check.port, check.allowed),
        check.allowed,
        `${step.title}: ${check.command} from ${check.from}`,
      );
      const result = spawnSync(`${ROOT}/bin/palisade`, [
        'lab',
        'exec',
        check.from,
        '--',
        ...check.command.split(' '),
      ]);
      assert.equal(
        result.status === 0,
        check.allowed,
        `${step.title}: \`${check.command}\` in ${check.from}`,
      );
    }
  }
  const endpoints = JSON.parse(await api.kubectl(['get', 'policyendpoints', '-A', '-o', 'json'])) as {
    items: { spec: { policyRef: { name: string } } }[];
  };
  assert.equal(endpoints.items.length, WALKTHROUGH.filter((step) => step.policy).length);

  // Deleting a policy with kubectl takes away what it allowed.
  await api.kubectl(['delete', 'networkpolicy', '-n', 'default', 'demo-app-allow-another-ns']);
  assert.equal(await settles('another-ns/another-client-one', 'default/demo-app', '80/TCP', false), false);
});

test('in Kubernetes mode the lab refuses its own policy writes, and says where they go', async () => {
  await assert.rejects(labApply([`${policies}01-deny-all-ingress.yaml`]), /kubectl apply/);
});
