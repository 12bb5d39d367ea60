import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerAddress, TCP_FLAGS, TCP_FRAME_SIZE, tcpFrames } from './frames.ts';

test('TCP frames are laid back to back, each with its addresses, ports and flags where TC reads them', () => {
  const segments = [
    { src: '10.77.2.100', dst: '10.77.1.100', sport: 40000, dport: 8080, flags: TCP_FLAGS.syn },
    { src: '10.200.1.2', dst: '10.77.1.100', sport: 65535, dport: 1, flags: TCP_FLAGS.ack },
  ];
  const frames = tcpFrames(segments);
  assert.equal(frames.length, 2 * TCP_FRAME_SIZE);
  for (const [i, segment] of segments.entries()) {
    const frame = frames.subarray(i * TCP_FRAME_SIZE, (i + 1) * TCP_FRAME_SIZE);
    assert.equal(frame.readUInt16BE(12), 0x0800, 'EtherType IPv4');
    assert.equal(frame[14], 0x45, 'IPv4, no options');
    assert.equal(frame[23], 6, 'TCP');
    assert.equal([...frame.subarray(26, 30)].join('.'), segment.src);
    assert.equal([...frame.subarray(30, 34)].join('.'), segment.dst);
    assert.equal(frame.readUInt16BE(34), segment.sport);
    assert.equal(frame.readUInt16BE(36), segment.dport);
    assert.equal(frame[47], segment.flags);
  }
});

test('peer addresses are distinct and outside the lab’s 10.77 network', () => {
  const addresses = new Set(Array.from({ length: 70_000 }, (_, i) => peerAddress(i)));
  assert.equal(addresses.size, 70_000);
  assert.equal(peerAddress(0), '10.200.0.0');
  assert.equal(peerAddress(65_536 + 257), '10.201.1.1');
  assert.ok([...addresses].every((address) => !address.startsWith('10.77.')));
});
