import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { decodeObject } from '../../server/kube/objects.ts';
import type { PolicyEndpoint } from '../../server/kube/policy-endpoint.ts';
import { ethernet, ipv4, ipv6, PROTOCOL, TCP_FLAGS, tcp } from '../lab/frames.ts';
import { addon } from './addon.ts';
import { compilePodRules, identityOf } from './compile.ts';
import { mountBpffs, nodeDir, podDir } from './pins.ts';
import { PodDatapath } from './pod-datapath.ts';

/**
 * Conntrack keyed by the pod's view of a flow: one entry per flow, found by one lookup from either
 * way, with real packets through a pod's programs (BPF_PROG_TEST_RUN), in a network namespace of
 * its own (not the lab's: no lab lock).
 */
const tag = `plct${process.pid}`;
const POD_V4 = '10.82.0.1';
const POD_V6 = 'fd00:82::1';
const PEER_V4 = '10.83.0.2';
const PEER_V6 = 'fd00:83::2';
const PASS = 0;
const DROP = 2;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
const datapath = new PodDatapath({
  node: tag,
  netns: `/run/netns/${tag}`,
  ifname: 'veth0',
  podId: 1,
  nodeIPs: [],
});

/** Isolated both ways: ingress from the peers on TCP 80, egress to nothing. */
const endpoint = decodeObject({
  apiVersion: 'networking.k8s.aws/v1alpha1',
  kind: 'PolicyEndpoint',
  metadata: { name: 'ct', namespace: 'test' },
  spec: {
    policyRef: { name: 'ct', namespace: 'test' },
    podSelectorEndpoints: [
      { podIP: POD_V4, hostIP: '', name: 'pod', namespace: 'test' },
      { podIP: POD_V6, hostIP: '', name: 'pod', namespace: 'test' },
    ],
    podIsolation: ['Ingress', 'Egress'],
    ingress: [PEER_V4, PEER_V6].map((cidr) => ({ cidr, ports: [{ protocol: 'TCP', port: 80 }] })),
    egress: [],
  },
}) as PolicyEndpoint;

before(async () => {
  mountBpffs();
  ip('netns', 'add', tag);
  ip('-n', tag, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  ip('-n', tag, 'link', 'set', 'veth0', 'up');
  datapath.attach();
  await datapath.program(compilePodRules(identityOf('test/pod', [POD_V4, POD_V6]), [endpoint]));
});

after(() => {
  ip('netns', 'del', tag);
  rmSync(nodeDir(tag), { recursive: true, force: true });
});

/** A TCP segment through the pod's program of `direction`: its verdict. */
function run(
  direction: 'ingress' | 'egress',
  src: string,
  dst: string,
  sport: number,
  dport: number,
  flags: number,
): number {
  const at = { src, dst };
  const segment = tcp(at, sport, dport, flags);
  const packet = src.includes(':') ? ipv6(at, PROTOCOL.tcp, segment) : ipv4(at, PROTOCOL.tcp, segment);
  const frame = ethernet('02:00:00:00:00:02', '02:00:00:00:00:01', packet);
  const cells = addon().progTestRun(`${podDir(tag, 'veth0')}/prog_${direction}`, frame, frame.length, 1);
  return cells.readUInt32LE(4);
}

for (const [family, pod, peer] of [
  ['IPv4', POD_V4, PEER_V4],
  ['IPv6', POD_V6, PEER_V6],
] as const) {
  test(`${family}: one entry per flow, its forward packets and replies each found by it, the tuple read back as let through`, () => {
    const { syn, ack } = TCP_FLAGS;
    assert.equal(run('ingress', peer, pod, 40000, 80, syn), PASS, 'the SYN the ingress rules allow');
    assert.equal(
      run('egress', pod, peer, 80, 40000, syn | ack),
      PASS,
      'its reply, though egress allows nothing',
    );
    assert.equal(run('ingress', peer, pod, 40000, 80, ack), PASS, 'its next forward packet');
    const flows = datapath.flows().filter((flow) => flow.src === peer && flow.sport === 40000);
    assert.deepEqual(
      flows.map(({ src, dst, sport, dport, direction, state }) => ({
        src,
        dst,
        sport,
        dport,
        direction,
        state,
      })),
      [{ src: peer, dst: pod, sport: 40000, dport: 80, direction: 'ingress', state: 'open' }],
    );
    // The reply's tuple crossing the other way is no packet of the flow: egress allows nothing.
    assert.equal(run('ingress', pod, peer, 80, 40000, ack), DROP, 'the reply tuple arriving towards the pod');
    assert.equal(run('egress', peer, pod, 40000, 80, ack), DROP, 'the forward tuple leaving the pod');
    // A flow the pod starts itself is judged by the egress rules (nothing), and leaves no entry.
    assert.equal(run('egress', pod, peer, 40001, 80, syn), DROP);
    assert.equal(datapath.flows().filter((flow) => flow.sport === 40001).length, 0);
  });
}
