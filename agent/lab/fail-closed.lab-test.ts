import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { labCluster, labFile, readAgentReport } from '../../server/lab/lab-store.ts';
import { enforced, requireLab } from '../../server/lab/lab-writes.ts';
import { datapathOf } from '../datapath/introspect.ts';
import { MODE } from '../datapath/layout.ts';
import { NodeAgent } from '../node-agent.ts';
import type { NodeState } from '../node-source.ts';
import { labApply, labPod } from './lab.ts';
import { hostVeth, nodeNetnsPath } from './names.ts';
import { labShippingToServer, storedFlow } from './testing-ingest.ts';
import { reaches, servedPod, testEndpoint } from './testing-lab.ts';
import { nodeAddress } from './topology.ts';

/**
 * What the agent cannot program closes that pod and no other, and says so; entries are bound to
 * the pod they were written for, so a pod that gets a deleted pod's IP never inherits its rules.
 */
const folder = mkdtempSync(join(tmpdir(), 'palisade-fail-closed-'));
const app = () => labPod('default/demo-app').ip;

const ingest = labShippingToServer();

test('a PolicyEndpoint the datapath cannot hold closes that pod alone, with a log line and a metric', async () => {
  // 30 ports that no two touch: more ranges for client-one's address than a kernel value holds (24).
  const ports = Array.from({ length: 30 }, (_, i) => `{port: ${80 + 2 * i}}`).join(', ');
  const file = join(folder, 'policies.yaml');
  writeFileSync(
    file,
    `kind: NetworkPolicy
metadata: {name: too-many-ports, namespace: default}
spec:
  podSelector: {matchLabels: {app: demo-app}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: client-one}}}], ports: [${ports}]}]
---
kind: NetworkPolicy
metadata: {name: deny-ingress, namespace: another-ns}
spec: {podSelector: {}, policyTypes: [Ingress]}
`,
  );
  // labApply waits for every agent: the node went on and reported, no error.
  const applied = await labApply([file], { replacePolicies: true });
  const node = labPod('default/demo-app').node;
  assert.equal(applied.pending, undefined, 'every agent enforces the write');
  assert.deepEqual(
    applied.closed.map((closed) => [closed.pod, closed.node, closed.direction]),
    [['default/demo-app', node, 'ingress']],
    'the write says which pod its agent closed',
  );
  assert.match(applied.closed[0]?.reason ?? '', /30 distinct port ranges/);
  const report = readAgentReport(node);
  assert.equal(report?.error, undefined, 'the node is not stopped');
  assert.match(
    report?.failClosed?.['default/demo-app']?.ingress ?? '',
    /spec\.ingress\[0\].*30 distinct port ranges/,
  );
  const closedAt = Date.now();
  assert.equal(
    await reaches('default/client-one', app(), '80/TCP'),
    false,
    'port 80 was in the list: closed, not open',
  );
  const closed = await storedFlow(
    ingest(),
    closedAt,
    (flow) => flow.reason === 'deny-all' && flow.dport === 80,
  );
  assert.deepEqual(
    closed && [closed.pod, closed.direction, closed.verdict, closed.src],
    ['default/demo-app', 'ingress', 'deny', labPod('default/client-one').ip],
    'the server stored the drop with the kernel’s reason: the pod is closed',
  );
  const state = datapathOf(labPod('default/demo-app')).state();
  assert.deepEqual(
    [state.ingressMode, state.egressMode],
    [MODE.denyAll, MODE.allowAll],
    'only that direction',
  );
  assert.equal(
    datapathOf(labPod('another-ns/another-client-one')).state().ingressMode,
    MODE.enforce,
    'every other pod is programmed',
  );
  const log = readFileSync(labFile(`agent-${node}.log`), 'utf8');
  assert.match(
    log,
    /"msg":"pod fails closed","pod":"default\/demo-app","direction":"ingress","reason":"PolicyEndpoint default\/[^:]+: spec\.ingress\[0\]: /,
  );
  const index = requireLab().nodes.find((candidate) => candidate.name === node)?.index ?? 0;
  const metrics = await (await fetch(`http://127.0.0.1:${9470 + index}/metrics`)).text();
  assert.match(
    metrics,
    /palisade_pod_fail_closed\{node="[^"]+",pod="default\/demo-app",direction="ingress"\} 1/,
  );
  assert.match(metrics, /palisade_pod_program_failures_total\{node="[^"]+"\} [1-9]/);
  // Fixed policies open it again.
  await labApply([], { replacePolicies: true });
  assert.equal(await reaches('default/client-one', app(), '80/TCP'), true);
});

test('an agent that does not catch up leaves the write stored, says so, and enforces it once it does', async () => {
  const lab = requireLab();
  const late = labPod('another-ns/another-client-one').node;
  const pid = readAgentReport(late)?.pid;
  assert.ok(pid, `the agent of ${late} reports its pid`);
  const file = join(folder, 'deny.yaml');
  writeFileSync(
    file,
    'kind: NetworkPolicy\nmetadata: {name: deny-ingress, namespace: another-ns}\nspec: {podSelector: {}}\n',
  );
  process.kill(pid, 'SIGSTOP');
  let written: Awaited<ReturnType<typeof labApply>>;
  try {
    written = await labApply([file], { replacePolicies: true });
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  assert.match(
    written.pending ?? '',
    new RegExp(`^the agent of ${late} did not enforce generation ${written.generation} within 20s .*stored`),
  );
  assert.ok(labCluster().policy('another-ns/deny-ingress'), 'the write is stored');
  assert.deepEqual(await enforced(lab, written.generation), [], 'the agent catches up, closing nothing');
  await labApply([], { replacePolicies: true });
});

test('a pod that gets a deleted pod’s IP does not inherit its rules; an unreadable PolicyEndpoint closes the pods it names', async () => {
  const lab = requireLab();
  const node = lab.nodes[1] ?? lab.nodes[0];
  assert.ok(node);
  const ip = '10.77.2.220';
  // The agent of the node, driven with the states a cluster would go through.
  let state: NodeState = { pods: [], endpoints: [], clusterEndpoints: [], generation: 0, strict: false };
  const agent = new NodeAgent(node.name, { read: () => state, watch: () => {}, report: () => {} });
  const pod = (key: string, podId: number) => ({
    key,
    ips: [ip],
    nodeIPs: [nodeAddress(node)],
    podId,
    netns: nodeNetnsPath(node.name),
    ifname: hostVeth(key),
  });
  const stale = testEndpoint('old-pod', ip, 'podIsolation: [Ingress]');
  const old = await servedPod('default/old-pod', ip, ['9/TCP']);
  try {
    state = { ...state, pods: [pod('default/old-pod', 501)], endpoints: [stale], generation: 1 };
    await agent.sync();
    await sleep(300);
    assert.equal(await reaches('default/client-one', ip, '9/TCP'), false, 'the old pod is isolated');
  } finally {
    // The old pod goes; a new one gets its IP before the controller rewrote the PolicyEndpoint.
    state = { ...state, pods: [], generation: 2 };
    await agent.sync();
    old.remove();
  }
  const fresh = await servedPod('default/new-pod', ip, ['9/TCP']);
  try {
    state = { ...state, pods: [pod('default/new-pod', 502)], generation: 3 };
    await agent.sync();
    await sleep(300);
    assert.equal(
      await reaches('default/client-one', ip, '9/TCP'),
      true,
      'the new pod is not isolated by the old pod’s entry',
    );
    // A PolicyEndpoint that names the new pod but cannot be read closes it, in the direction it isolates.
    state = {
      ...state,
      generation: 4,
      unreadable: [
        {
          kind: 'PolicyEndpoint',
          key: 'default/broken',
          reason: 'spec.ingress[0].cidr: bad',
          pods: ['default/new-pod'],
          directions: ['Ingress'],
        },
      ],
    };
    await agent.sync();
    assert.equal(await reaches('default/client-one', ip, '9/TCP'), false, 'unreadable: closed, not open');
    assert.match(
      agent.failClosed['default/new-pod']?.ingress ?? '',
      /PolicyEndpoint default\/broken cannot be read/,
    );
  } finally {
    state = { ...state, pods: [], unreadable: [], generation: 5 };
    await agent.sync();
    fresh.remove();
  }
});
