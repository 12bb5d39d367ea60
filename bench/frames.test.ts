import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerAddress, readTcpFrame, TCP_FLAGS, TCP_FRAME_SIZE, tcpFrames } from './frames.ts';

test('a TCP frame reads back as written, with a valid IPv4 header checksum', () => {
  const segments = [
    { src: '10.77.2.100', dst: '10.77.1.100', sport: 40000, dport: 8080, flags: TCP_FLAGS.syn },
    { src: '10.200.1.2', dst: '10.77.1.100', sport: 65535, dport: 1, flags: TCP_FLAGS.ack },
  ];
  const frames = tcpFrames(segments);
  assert.equal(frames.length, 2 * TCP_FRAME_SIZE);
  for (const [i, segment] of segments.entries()) {
    const frame = frames.subarray(i * TCP_FRAME_SIZE, (i + 1) * TCP_FRAME_SIZE);
    assert.deepEqual(readTcpFrame(frame), { ...segment, checksumOk: true });
    assert.equal(frame.readUInt16BE(12), 0x0800, 'EtherType IPv4');
    assert.equal(frame[14], 0x45, 'IPv4, no options');
    assert.equal(frame[23], 6, 'TCP');
  }
});

test('a bad address is refused, naming it', () => {
  assert.throws(
    () => tcpFrames([{ src: '10.1.2', dst: '10.0.0.1', sport: 1, dport: 2, flags: 0 }]),
    /10\.1\.2/,
  );
});

test('peer addresses are distinct and outside the lab’s 10.77 network', () => {
  const addresses = new Set(Array.from({ length: 70_000 }, (_, i) => peerAddress(i)));
  assert.equal(addresses.size, 70_000);
  assert.equal(peerAddress(0), '10.200.0.0');
  assert.equal(peerAddress(65_536 + 257), '10.201.1.1');
  assert.ok([...addresses].every((address) => !address.startsWith('10.77.')));
});
