import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TCP_FLAGS } from '../lab/frames.ts';
import { nodeCounters } from './introspect.ts';
import { IsolatedPod, type IsolatedPodRules, tcpEntry, VERDICT } from './isolated-pod.ts';

/**
 * Conntrack keyed by the pod's view of a flow: one entry per flow, found by one lookup from either
 * way, with real packets through a pod's programs (BPF_PROG_TEST_RUN), in a network namespace of
 * its own (not the lab's: no lab lock).
 */
const tag = `plct${process.pid}`;
const pod = new IsolatedPod(tag);
const POD_V4 = '10.82.0.1';
const POD_V6 = 'fd00:82::1';
const PEER_V4 = '10.83.0.2';
const PEER_V6 = 'fd00:83::2';
const { pass: PASS, drop: DROP } = VERDICT;

/** Isolated both ways: ingress from the peers on TCP 80, egress to nothing. */
const rules: IsolatedPodRules = {
  podIsolation: ['Ingress', 'Egress'],
  ingress: [tcpEntry(PEER_V4, [80]), tcpEntry(PEER_V6, [80])],
  egress: [],
};

before(() => pod.start([POD_V4, POD_V6], rules));
after(() => pod.stop());
const run = pod.tcp.bind(pod);

for (const [family, address, peer] of [
  ['IPv4', POD_V4, PEER_V4],
  ['IPv6', POD_V6, PEER_V6],
] as const) {
  test(`${family}: one entry per flow, its forward packets and replies each found by it, the tuple read back as let through`, () => {
    const { syn, ack } = TCP_FLAGS;
    assert.equal(run('ingress', peer, address, 40000, 80, syn), PASS, 'the SYN the ingress rules allow');
    assert.equal(
      run('egress', address, peer, 80, 40000, syn | ack),
      PASS,
      'its reply, though egress allows nothing',
    );
    assert.equal(run('ingress', peer, address, 40000, 80, ack), PASS, 'its next forward packet');
    const flows = pod.datapath.flows().filter((flow) => flow.src === peer && flow.sport === 40000);
    assert.deepEqual(
      flows.map(({ src, dst, sport, dport, direction, state }) => ({
        src,
        dst,
        sport,
        dport,
        direction,
        state,
      })),
      [{ src: peer, dst: address, sport: 40000, dport: 80, direction: 'ingress', state: 'open' }],
    );
    // The reply's tuple crossing the other way is no packet of the flow: egress allows nothing.
    assert.equal(
      run('ingress', address, peer, 80, 40000, ack),
      DROP,
      'the reply tuple arriving towards the pod',
    );
    assert.equal(run('egress', peer, address, 40000, 80, ack), DROP, 'the forward tuple leaving the pod');
    // A flow the pod starts itself is judged by the egress rules (nothing), and leaves no entry.
    assert.equal(run('egress', address, peer, 40001, 80, syn), DROP);
    assert.equal(pod.datapath.flows().filter((flow) => flow.sport === 40001).length, 0);
  });
}

test('a tuple used again after its flow closed starts a new flow in the old one’s entry: judged again, tracked as new, its replies let through', () => {
  const { syn, ack, fin } = TCP_FLAGS;
  const tracked = () =>
    pod.datapath
      .flows()
      .filter((flow) => flow.src === PEER_V4 && flow.sport === 40002)
      .map(({ direction, state }) => ({ direction, state }));
  assert.equal(run('ingress', PEER_V4, POD_V4, 40002, 80, syn), PASS);
  assert.equal(run('egress', POD_V4, PEER_V4, 80, 40002, syn | ack), PASS);
  assert.equal(run('ingress', PEER_V4, POD_V4, 40002, 80, fin | ack), PASS);
  assert.equal(run('egress', POD_V4, PEER_V4, 80, 40002, fin | ack), PASS);
  assert.deepEqual(tracked(), [{ direction: 'ingress', state: 'closing' }]);
  // The client's port comes round again: a new connection on the same tuple.
  const reused = nodeCounters(tag).reusedTuples;
  assert.equal(run('ingress', PEER_V4, POD_V4, 40002, 80, syn), PASS, 'the new SYN, which the rules allow');
  assert.deepEqual(tracked(), [{ direction: 'ingress', state: 'new' }], 'one entry, the new flow’s');
  assert.equal(nodeCounters(tag).reusedTuples, reused + 1, 'counted as a tuple reused');
  assert.equal(run('egress', POD_V4, PEER_V4, 80, 40002, syn | ack), PASS, 'its reply');
  assert.deepEqual(tracked(), [{ direction: 'ingress', state: 'open' }]);
});
