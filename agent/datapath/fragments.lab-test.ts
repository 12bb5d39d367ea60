import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ipv4, PROTOCOL, udp } from '../lab/frames.ts';
import { nodeCounters } from './introspect.ts';
import { IsolatedPod, VERDICT } from './isolated-pod.ts';

/**
 * IPv4 fragments through the pod's real ingress program (BPF_PROG_TEST_RUN, no lab): the later
 * fragments of a datagram whose first fragment was let through follow it, and a later fragment
 * whose first was denied, or never came, is dropped. A stray fragment sent in the lab never
 * reached the pod's program (no event came; the likely reason is the lab node's netfilter
 * defragmentation, which comes with the Services' NAT rules and holds a fragment until its first
 * arrives), so this test is where that drop is seen.
 */
const tag = `plfrag${process.pid}`;
const pod = new IsolatedPod(tag);
const POD = '10.82.0.1';
const ALLOWED = '10.82.0.2';
const OTHER = '10.82.0.3';
const { pass: PASS, drop: DROP } = VERDICT;

before(() =>
  pod.start([POD], {
    podIsolation: ['Ingress'],
    ingress: [{ cidr: ALLOWED, ports: [{ protocol: 'UDP', port: 7 }] }],
  }),
);
after(() => pod.stop());

/** The first fragment of datagram `id` (its UDP header to port 7) and a later one, from `src`. */
function datagram(src: string, id: number): { first: Buffer; later: Buffer } {
  const at = { src, dst: POD };
  return {
    first: ipv4(at, PROTOCOL.udp, udp(at, 40000 + id, 7, Buffer.alloc(1472, 'a')), {
      id,
      moreFragments: true,
    }),
    later: ipv4(at, PROTOCOL.udp, Buffer.alloc(64, 'b'), { id, fragmentOffset: 1480 }),
  };
}

test('later fragments follow their first: through after an allowed one, dropped after a denied one', () => {
  const allowed = datagram(ALLOWED, 1);
  const fragmentsBefore = nodeCounters(tag).fragments;
  assert.equal(pod.run('ingress', allowed.first), PASS, 'the first fragment of an allowed datagram');
  assert.equal(pod.run('ingress', allowed.later), PASS, 'its later fragment');
  assert.equal(
    nodeCounters(tag).fragments,
    fragmentsBefore + 1,
    'let through as a fragment of a known datagram',
  );
  const denied = datagram(OTHER, 2);
  assert.equal(pod.run('ingress', denied.first), DROP, 'the first fragment of a denied datagram');
  assert.equal(pod.run('ingress', denied.later), DROP, 'its later fragment');
});

test('a later fragment whose first never came is dropped, even from the allowed peer', () => {
  const deniedBefore = nodeCounters(tag).deniedPackets;
  assert.equal(pod.run('ingress', datagram(ALLOWED, 3).later), DROP);
  assert.equal(nodeCounters(tag).deniedPackets, deniedBefore + 1, 'counted as a denied packet');
  // The direction no policy isolates polices no fragment.
  assert.equal(
    pod.run(
      'egress',
      ipv4({ src: POD, dst: OTHER }, PROTOCOL.udp, Buffer.alloc(64), { id: 4, fragmentOffset: 1480 }),
    ),
    PASS,
  );
});
