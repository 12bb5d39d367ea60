import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ipv4, ipv6, PROTOCOL, TCP_FLAGS, tcp, udp } from '../lab/frames.ts';
import { IsolatedPod, tcpEntry, VERDICT } from './isolated-pod.ts';

/**
 * The programs read the common packet straight from memory and every other one in full through
 * the kernel's helper: packets of both kinds must be judged alike. Checked through the pod's real
 * ingress program (BPF_PROG_TEST_RUN), in a network namespace of its own (no lab lock).
 */
const pod = new IsolatedPod(`plreads${process.pid}`);
const POD_V4 = '10.83.0.1';
const POD_V6 = 'fd00:83::1';
const { pass: PASS, drop: DROP } = VERDICT;
const IPV6_HOP_BY_HOP = 0;

before(async () => {
  await pod.start([POD_V4, POD_V6], {
    podIsolation: ['Ingress'],
    ingress: [
      tcpEntry('10.80.0.9', [22]),
      tcpEntry('fd00:80::5', [80]),
      { cidr: '10.80.5.5', ports: [{ protocol: 'UDP', port: 53 }] },
    ],
  });
});
after(() => pod.stop());

let nextPort = 30000;
const syn = (src: string, dst: string, port: number) => tcp({ src, dst }, nextPort++, port, TCP_FLAGS.syn);

/** `packet` (IPv4) with 4 bytes of options (no-ops) after its header: a header length of 24. */
function withIpv4Options(packet: Buffer): Buffer {
  const header = Buffer.from(packet.subarray(0, 20));
  header[0] = 0x46;
  header.writeUInt16BE(packet.length + 4, 2);
  return Buffer.concat([header, Buffer.from([1, 1, 1, 1]), packet.subarray(20)]);
}

/** An IPv6 packet whose TCP segment follows a hop-by-hop options header (8 bytes, padding only). */
function behindHopByHop(src: string, dst: string, port: number): Buffer {
  const hopByHop = Buffer.from([PROTOCOL.tcp, 0, 1, 4, 0, 0, 0, 0]);
  return ipv6({ src, dst }, IPV6_HOP_BY_HOP, Buffer.concat([hopByHop, syn(src, dst, port)]));
}

test('IPv4 with options is judged as without', () => {
  const at = (port: number) =>
    ipv4({ src: '10.80.0.9', dst: POD_V4 }, PROTOCOL.tcp, syn('10.80.0.9', POD_V4, port));
  assert.equal(pod.run('ingress', at(22)), PASS);
  assert.equal(pod.run('ingress', withIpv4Options(at(22))), PASS);
  assert.equal(pod.run('ingress', withIpv4Options(at(443))), DROP);
  assert.equal(
    pod.run(
      'ingress',
      withIpv4Options(ipv4({ src: '10.80.0.8', dst: POD_V4 }, PROTOCOL.tcp, syn('10.80.0.8', POD_V4, 22))),
    ),
    DROP,
  );
});

test('TCP flags are read in full too: a SYN with options starts a flow, an ACK none, FIN both ways closes it', () => {
  const peer = '10.80.0.9';
  const withOptions = (sport: number, flags: number) =>
    withIpv4Options(
      ipv4({ src: peer, dst: POD_V4 }, PROTOCOL.tcp, tcp({ src: peer, dst: POD_V4 }, sport, 22, flags)),
    );
  const flowFrom = (sport: number) => pod.datapath.flows().find((flow) => flow.sport === sport);
  const opened = nextPort++;
  const midStream = nextPort++;
  assert.equal(pod.run('ingress', withOptions(opened, TCP_FLAGS.syn)), PASS);
  assert.equal(flowFrom(opened)?.state, 'new', 'the SYN started a flow');
  assert.equal(pod.run('ingress', withOptions(midStream, TCP_FLAGS.ack)), PASS);
  assert.equal(flowFrom(midStream), undefined, 'an allowed mid-stream ACK starts no flow');
  assert.equal(pod.run('ingress', withOptions(opened, TCP_FLAGS.fin | TCP_FLAGS.ack)), PASS);
  assert.equal(pod.tcp('egress', POD_V4, peer, 22, opened, TCP_FLAGS.fin | TCP_FLAGS.ack), PASS);
  assert.equal(
    flowFrom(opened)?.state,
    'closing',
    "the peer's FIN, read in full, and the pod's closed the flow",
  );
});

test('IPv6 behind an extension header is judged as without', () => {
  assert.equal(pod.tcp('ingress', 'fd00:80::5', POD_V6, nextPort++, 80, TCP_FLAGS.syn), PASS);
  assert.equal(pod.run('ingress', behindHopByHop('fd00:80::5', POD_V6, 80)), PASS);
  assert.equal(pod.run('ingress', behindHopByHop('fd00:80::5', POD_V6, 81)), DROP);
  assert.equal(pod.run('ingress', behindHopByHop('fd00:80::6', POD_V6, 80)), DROP);
});

test('a UDP datagram shorter than a TCP header is judged as a longer one', () => {
  const datagram = (src: string, port: number, payload: number) =>
    ipv4(
      { src, dst: POD_V4 },
      PROTOCOL.udp,
      udp({ src, dst: POD_V4 }, nextPort++, port, Buffer.alloc(payload)),
    );
  for (const payload of [0, 2, 32]) {
    assert.equal(pod.run('ingress', datagram('10.80.5.5', 53, payload)), PASS, `${payload} bytes of payload`);
    assert.equal(
      pod.run('ingress', datagram('10.80.5.5', 54, payload)),
      DROP,
      `${payload} bytes, another port`,
    );
    assert.equal(
      pod.run('ingress', datagram('10.80.5.6', 53, payload)),
      DROP,
      `${payload} bytes, another peer`,
    );
  }
});
