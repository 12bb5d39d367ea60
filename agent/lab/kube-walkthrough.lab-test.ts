import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WALKTHROUGH } from '../../examples/walkthrough/steps.ts';
import { decodeFrame } from '../../server/flows/flow-frame.ts';
import { TestingApiServer } from '../../server/kube-api/testing-api-server.ts';
import { readAgentReport, readLab } from '../../server/lab/lab-store.ts';
import type { AgentStatus } from '../../server/nodes/agent-status.ts';
import { labApply, labDown, labPod, labUp } from './lab.ts';
import { addressOf, reaches } from './testing-lab.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const policies = `${ROOT}/examples/walkthrough/policies/`;

let api: TestingApiServer;
let controller: ChildProcess;
/** Stands in for the dashboard's ingest: the last status each node's agent sent. */
let ingest: Server;
const statuses = new Map<string, AgentStatus>();

/**
 * The lab stands in for a cluster's kubelets: its pods are registered as Pod objects in a real API
 * server, `palisade controller` writes PolicyEndpoint objects there, and each lab node's agent
 * reads them from the API and enforces them in the kernel.
 */
before(async () => {
  api = await TestingApiServer.start();
  await api.installCrds(['policyendpoints', 'clusternetworkpolicies', 'clusterpolicyendpoints']);
  ingest = createServer((request, response) => {
    const body: Buffer[] = [];
    request.on('data', (chunk: Buffer) => body.push(chunk));
    request.on('end', () => {
      const { batch } = decodeFrame(Buffer.concat(body));
      if (batch.status) statuses.set(batch.node, batch.status);
      response.end('{}');
    });
  });
  await new Promise<void>((done) => ingest.listen(0, '127.0.0.1', done));
  process.env.PALISADE_INGEST_URL = `http://127.0.0.1:${(ingest.address() as AddressInfo).port}/api/ingest`;
  process.env.PALISADE_AGENT_TOKEN = 'agent-token';
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
  ingest?.close();
});

/** Waits until `from` reaches `host` exactly when `allowed`, as enforcement catches up with kubectl. */
async function settles(from: string, host: string, port: string, allowed: boolean): Promise<boolean> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const result = await reaches(from, host, port);
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
        await settles(check.from, addressOf(check), check.port, check.allowed),
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
  assert.equal(
    await settles('another-ns/another-client-one', labPod('default/demo-app').ip, '80/TCP', false),
    false,
  );
});

test('cluster tiers with kubectl apply: ClusterPolicyEndpoint objects enforced by the agents, with real packets', async () => {
  const demoApp = labPod('default/demo-app').ip;
  // Before: the walkthrough's NetworkPolicies let client-one in and keep another-client-one out.
  assert.equal(await settles('default/client-one', demoApp, '80/TCP', true), true);
  assert.equal(await settles('another-ns/another-client-one', demoApp, '80/TCP', false), false);
  const file = join(api.dir, 'tiers.yaml');
  writeFileSync(
    file,
    `apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: no-client-one}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: demo-app}}}}
  ingress:
  - {name: client-one, action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: client-one}}}}]}
---
apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: monitoring}
spec:
  tier: Admin
  priority: 5
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: demo-app}}}}
  ingress:
  - {name: another, action: Accept, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: another-ns}}}]}
`,
  );
  await api.kubectl(['apply', '-f', file]);
  assert.equal(
    await settles('default/client-one', demoApp, '80/TCP', false),
    false,
    'an Admin Deny overrides the NetworkPolicy that allows client-one',
  );
  assert.equal(
    await settles('another-ns/another-client-one', demoApp, '80/TCP', true),
    true,
    'an Admin Accept lets in what no NetworkPolicy allows',
  );
  const endpoints = JSON.parse(await api.kubectl(['get', 'clusterpolicyendpoints', '-o', 'json'])) as {
    items: { spec: { policyRef: { name: string }; tier: string } }[];
  };
  assert.deepEqual(endpoints.items.map((item) => item.spec.policyRef.name).sort(), [
    'monitoring',
    'no-client-one',
  ]);
  await api.kubectl(['delete', '-f', file]);
  assert.equal(
    await settles('default/client-one', demoApp, '80/TCP', true),
    true,
    'deleted: the NetworkPolicies decide again',
  );
  assert.equal(await settles('another-ns/another-client-one', demoApp, '80/TCP', false), false);
});

test('each agent tells the server its programs, counters and map fill, as the nodes page shows them', async () => {
  const nodes = readLab()?.nodes.map((node) => node.name) ?? [];
  assert.ok(nodes.length >= 2);
  for (const node of nodes) {
    const deadline = Date.now() + 15000;
    while (!statuses.has(node) && Date.now() < deadline) await sleep(200);
    const status = statuses.get(node);
    assert.ok(status, `${node}'s agent sent no status within 15 s`);
    const report = readAgentReport(node);
    assert.ok(report && Object.keys(report.pods).length > 0, `${node} enforces pods`);
    for (const [pod, programs] of Object.entries(report.pods)) {
      assert.ok(programs.ingressId > 0 && programs.egressId > 0, `${pod} has programs`);
      assert.deepEqual(status.pods[pod], programs, `${node} tells ${pod}'s programs as attached`);
      const fill = status.mapFill[pod];
      assert.ok(fill !== undefined && fill >= 0 && fill < 1, `${pod}'s map fill is told (${fill})`);
    }
    assert.equal(status.error, undefined);
  }
  const demoApp = [...statuses.values()].find((status) => 'default/demo-app' in status.pods);
  assert.ok((demoApp?.mapFill['default/demo-app'] ?? 0) > 0, 'demo-app’s rules fill part of its map');
  const denied = nodes.reduce((sum, node) => sum + (statuses.get(node)?.deniedPackets ?? 0), 0);
  assert.ok(denied > 0, 'the walkthrough’s denied packets are counted');
});

test('in Kubernetes mode the lab refuses its own policy writes, and says where they go', async () => {
  await assert.rejects(labApply([`${policies}01-deny-all-ingress.yaml`]), /kubectl apply/);
});
