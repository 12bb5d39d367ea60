import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClusterAction } from '../../server/kube/cluster-network-policy.ts';
import type { ClusterEndpointInfo } from '../../server/kube/cluster-policy-endpoint.ts';
import { TCP_FLAGS } from '../lab/frames.ts';
import { addon } from './addon.ts';
import { allows, ruleIdOf } from './compile.ts';
import { type ClusterRules, IsolatedPod, type IsolatedPodRules, tcpEntry, VERDICT } from './isolated-pod.ts';
import { decodeFlowEvents, type FlowEvent, MODE, monotonicToWallMs } from './layout.ts';
import { nodeDir } from './pins.ts';

/**
 * The cluster tiers in the kernel: Admin rules by priority (Deny before Pass before Accept at equal
 * priority), then the NetworkPolicies when one isolates the pod, else the Baseline rules, checked
 * with real packets through the pod's real programs (BPF_PROG_TEST_RUN) in a network namespace of
 * its own, beside the agent's own re-check of live flows (`allows`), and the tier and policy the
 * flow events name.
 */
const tag = `pltiers${process.pid}`;
const pod = new IsolatedPod(tag);
const POD = '10.85.0.1';
const { pass: PASS, drop: DROP } = VERDICT;

const entry = (cidr: string, action: ClusterAction, port?: number): ClusterEndpointInfo => ({
  cidr,
  action,
  ...(port ? { ports: [{ protocol: 'TCP' as const, port }] } : {}),
});

/** Ingress isolated by a NetworkPolicy (80 and 8080 from 10.86/16); egress only under cluster policies. */
const networkPolicy: IsolatedPodRules = {
  podIsolation: ['Ingress'],
  ingress: [tcpEntry('10.86.0.0/16', [80, 8080])],
};
const cluster: ClusterRules[] = [
  {
    name: 'admin-pass',
    tier: 'Admin',
    priority: 1,
    ingress: [entry('10.86.3.0/24', 'Pass')],
    egress: [entry('10.88.0.8', 'Pass')],
  },
  {
    name: 'admin-accept',
    tier: 'Admin',
    priority: 5,
    ingress: [entry('10.86.1.4/30', 'Accept', 80), entry('10.87.0.9', 'Accept')],
  },
  { name: 'admin-tie', tier: 'Admin', priority: 5, ingress: [entry('10.86.1.6', 'Deny')] },
  {
    name: 'admin-deny',
    tier: 'Admin',
    priority: 10,
    ingress: [entry('10.86.0.0/16', 'Deny', 8080), entry('10.86.1.0/24', 'Deny', 80)],
    egress: [entry('10.88.0.8', 'Deny')],
  },
  { name: 'baseline-accept', tier: 'Baseline', priority: 5, egress: [entry('10.88.0.7', 'Accept', 443)] },
  { name: 'baseline-deny', tier: 'Baseline', priority: 10, egress: [entry('10.88.0.0/16', 'Deny', 443)] },
];

/** What each peer and port gets, and which tier and policy decide it. */
const PROBES: readonly {
  direction: 'ingress' | 'egress';
  peer: string;
  port: number;
  verdict: number;
  tier: FlowEvent['tier'];
  policy?: string;
  why: string;
}[] = [
  {
    direction: 'ingress',
    peer: '10.86.2.1',
    port: 80,
    verdict: PASS,
    tier: 'NetworkPolicy',
    policy: 'test/rules',
    why: 'no cluster rule: the NetworkPolicy allows',
  },
  {
    direction: 'ingress',
    peer: '10.86.2.1',
    port: 8080,
    verdict: DROP,
    tier: 'Admin',
    policy: 'admin-deny',
    why: 'an Admin Deny overrides the NetworkPolicy’s allow',
  },
  {
    direction: 'ingress',
    peer: '10.86.1.9',
    port: 80,
    verdict: DROP,
    tier: 'Admin',
    policy: 'admin-deny',
    why: 'the Deny of a longer prefix, same policy',
  },
  {
    direction: 'ingress',
    peer: '10.86.1.5',
    port: 80,
    verdict: PASS,
    tier: 'Admin',
    policy: 'admin-accept',
    why: 'an Accept of priority 5 comes before a Deny of priority 10',
  },
  {
    direction: 'ingress',
    peer: '10.86.1.6',
    port: 80,
    verdict: DROP,
    tier: 'Admin',
    policy: 'admin-tie',
    why: 'at equal priority a Deny beats an Accept',
  },
  {
    direction: 'ingress',
    peer: '10.87.0.9',
    port: 22,
    verdict: PASS,
    tier: 'Admin',
    policy: 'admin-accept',
    why: 'an Admin Accept lets in what no NetworkPolicy allows',
  },
  {
    direction: 'ingress',
    peer: '10.87.0.10',
    port: 80,
    verdict: DROP,
    tier: 'NetworkPolicy',
    why: 'isolated by a NetworkPolicy, and nothing allows it',
  },
  {
    direction: 'ingress',
    peer: '10.86.3.3',
    port: 8080,
    verdict: PASS,
    tier: 'NetworkPolicy',
    policy: 'test/rules',
    why: 'a Pass skips the Admin Deny: the NetworkPolicy decides',
  },
  {
    direction: 'egress',
    peer: '10.88.0.7',
    port: 443,
    verdict: PASS,
    tier: 'Baseline',
    policy: 'baseline-accept',
    why: 'a Baseline Accept of priority 5 before its Deny',
  },
  {
    direction: 'egress',
    peer: '10.88.0.9',
    port: 443,
    verdict: DROP,
    tier: 'Baseline',
    policy: 'baseline-deny',
    why: 'Baseline Deny: no NetworkPolicy isolates egress',
  },
  {
    direction: 'egress',
    peer: '10.88.0.9',
    port: 80,
    verdict: PASS,
    tier: 'None',
    why: 'nothing decides: open',
  },
  {
    direction: 'egress',
    peer: '10.88.0.8',
    port: 443,
    verdict: DROP,
    tier: 'Baseline',
    policy: 'baseline-deny',
    why: 'the Admin Pass skips its Deny: the Baseline decides',
  },
  {
    direction: 'egress',
    peer: '10.88.0.8',
    port: 80,
    verdict: PASS,
    tier: 'None',
    why: 'passed, and the Baseline does not decide',
  },
];

const events: FlowEvent[] = [];
let ring: object | undefined;

before(async () => {
  await pod.start([POD], networkPolicy, cluster);
  const clock = monotonicToWallMs();
  ring = addon().ringOpen(`${nodeDir(tag)}/events`, (batch) =>
    events.push(...decodeFlowEvents(batch, clock)),
  );
});
after(() => {
  if (ring) addon().ringClose(ring);
  pod.stop();
});

let nextPort = 30000;
/** The verdict of a SYN between the pod and `peer`, crossing in `direction` (a new flow each time). */
function syn(direction: 'ingress' | 'egress', peer: string, port: number, sport = nextPort++): number {
  return direction === 'ingress'
    ? pod.tcp('ingress', peer, POD, sport, port, TCP_FLAGS.syn)
    : pod.tcp('egress', POD, peer, sport, port, TCP_FLAGS.syn);
}

test('each tier decides in its turn in the kernel', () => {
  assert.equal(
    pod.compiled.ingress.mode,
    MODE.enforce,
    'a NetworkPolicy isolates ingress: what no rule allows is denied',
  );
  assert.equal(
    pod.compiled.egress.mode,
    MODE.enforceOpen,
    'only cluster policies apply to egress: what they do not decide passes',
  );
  for (const probe of PROBES) {
    const kernel = syn(probe.direction, probe.peer, probe.port);
    assert.equal(kernel, probe.verdict, `${probe.direction} ${probe.peer}:${probe.port}: ${probe.why}`);
  }
});

test('the agent’s re-check of live flows gives the kernel’s verdicts', () => {
  for (const probe of PROBES) {
    const recheck = allows(pod.compiled[probe.direction], probe.peer, probe.port, 6);
    assert.equal(
      recheck,
      probe.verdict === PASS,
      `re-check of ${probe.direction} ${probe.peer}:${probe.port}: ${probe.why}`,
    );
  }
});

test('flow events name the deciding tier and policy', async () => {
  const policyOf = new Map(cluster.map(({ name }) => [ruleIdOf(name), name]));
  policyOf.set(ruleIdOf('test/rules'), 'test/rules');
  const sports = PROBES.map((probe) => {
    const sport = nextPort++;
    syn(probe.direction, probe.peer, probe.port, sport);
    return sport;
  });
  const deadline = Date.now() + 3000;
  const eventOf = (i: number) => {
    const probe = PROBES[i];
    return events.find(
      (event) =>
        event.sport === sports[i] && (probe?.direction === 'ingress' ? event.src : event.dst) === probe?.peer,
    );
  };
  while (PROBES.some((_, i) => !eventOf(i)) && Date.now() < deadline)
    await new Promise((done) => setTimeout(done, 20));
  for (const [i, probe] of PROBES.entries()) {
    const event = eventOf(i);
    const name = `${probe.direction} ${probe.peer}:${probe.port}`;
    assert.ok(event, `an event for ${name}`);
    assert.equal(event.verdict, probe.verdict === PASS ? 'allow' : 'deny', name);
    assert.equal(event.tier, probe.tier, `tier of ${name}: ${probe.why}`);
    assert.equal(policyOf.get(event.ruleId), probe.policy, `policy of ${name}`);
  }
});

test('a flow a new Admin Deny covers is cut; one it does not cover goes on', async () => {
  const open = { peer: '10.86.2.2', sport: 41000 };
  const spared = { peer: '10.86.2.3', sport: 41001 };
  for (const flow of [open, spared]) {
    assert.equal(pod.tcp('ingress', flow.peer, POD, flow.sport, 80, TCP_FLAGS.syn), PASS);
    assert.equal(pod.tcp('egress', POD, flow.peer, 80, flow.sport, TCP_FLAGS.syn | TCP_FLAGS.ack), PASS);
  }
  await pod.program([POD], networkPolicy, [
    ...cluster,
    { name: 'admin-new', tier: 'Admin', priority: 2, ingress: [entry('10.86.2.2', 'Deny', 80)] },
  ]);
  assert.equal(
    pod.tcp('ingress', open.peer, POD, open.sport, 80, TCP_FLAGS.ack),
    DROP,
    'the covered flow is cut',
  );
  assert.equal(
    pod.tcp('ingress', spared.peer, POD, spared.sport, 80, TCP_FLAGS.ack),
    PASS,
    'the other flow goes on',
  );
  await pod.program([POD], networkPolicy, cluster);
});
