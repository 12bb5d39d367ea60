/** Ethernet frames for BPF_PROG_TEST_RUN: what a TC program on a veth sees. */

/** Bytes of an Ethernet + IPv4 + TCP frame without options or payload. */
export const TCP_FRAME_SIZE = 14 + 20 + 20;

export const TCP_FLAGS = { fin: 0x01, syn: 0x02, rst: 0x04, ack: 0x10 } as const;

export interface TcpSegment {
  /** Dotted IPv4 addresses. */
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  /** TCP flag bits ({@link TCP_FLAGS}). */
  readonly flags: number;
}

function ipv4Bytes(address: string): number[] {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255))
    throw new Error(`${address} is not a dotted IPv4 address`);
  return parts;
}

/** The one's-complement sum RFC 791 puts in the header checksum. */
function headerChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One TCP segment as an Ethernet frame of {@link TCP_FRAME_SIZE} bytes, written at `offset` of `into`. */
export function writeTcpFrame(into: Buffer, offset: number, segment: TcpSegment): void {
  const frame = into.subarray(offset, offset + TCP_FRAME_SIZE);
  frame.fill(0);
  // Ethernet: locally administered MACs, EtherType IPv4.
  Buffer.from([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]).copy(frame, 0);
  frame.writeUInt16BE(0x0800, 12);
  const ip = frame.subarray(14, 34);
  ip.writeUInt8(0x45, 0); // version 4, 5 words
  ip.writeUInt16BE(40, 2); // total length
  ip.writeUInt8(64, 8); // TTL
  ip.writeUInt8(6, 9); // TCP
  Buffer.from(ipv4Bytes(segment.src)).copy(ip, 12);
  Buffer.from(ipv4Bytes(segment.dst)).copy(ip, 16);
  ip.writeUInt16BE(headerChecksum(ip), 10);
  const tcp = frame.subarray(34, 54);
  tcp.writeUInt16BE(segment.sport, 0);
  tcp.writeUInt16BE(segment.dport, 2);
  tcp.writeUInt8(5 << 4, 12); // 5 words, no options
  tcp.writeUInt8(segment.flags, 13);
  tcp.writeUInt16BE(64240, 14); // window
}

/** Frames for `segments`, back to back. */
export function tcpFrames(segments: readonly TcpSegment[]): Buffer {
  const frames = Buffer.alloc(segments.length * TCP_FRAME_SIZE);
  for (const [i, segment] of segments.entries()) writeTcpFrame(frames, i * TCP_FRAME_SIZE, segment);
  return frames;
}

/** What a frame says, read back (for tests and checks). */
export function readTcpFrame(frame: Buffer): TcpSegment & { readonly checksumOk: boolean } {
  const ip = frame.subarray(14, 34);
  return {
    src: [...ip.subarray(12, 16)].join('.'),
    dst: [...ip.subarray(16, 20)].join('.'),
    sport: frame.readUInt16BE(34),
    dport: frame.readUInt16BE(36),
    flags: frame.readUInt8(47),
    checksumOk: headerChecksum(ip) === 0,
  };
}

/** The `index`-th address of a block of distinct IPv4 peers 10.200.0.0 and up (up to 3.6M of them). */
export function peerAddress(index: number): string {
  return `10.${200 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
}
