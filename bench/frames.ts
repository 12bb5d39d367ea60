import { ethernet, ipv4, PROTOCOL, TCP_FLAGS, tcp } from '../agent/lab/frames.ts';

/** Ethernet frames for BPF_PROG_TEST_RUN: what a TC program on a pod's veth sees. */

export { TCP_FLAGS };

/** Bytes of an Ethernet + IPv4 + TCP frame without options or payload. */
export const TCP_FRAME_SIZE = 14 + 20 + 20;

export interface TcpSegment {
  /** Dotted IPv4 addresses. */
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  /** TCP flag bits ({@link TCP_FLAGS}). */
  readonly flags: number;
}

/** Frames of {@link TCP_FRAME_SIZE} bytes for `segments`, back to back (the lab's packet builders). */
export function tcpFrames(segments: readonly TcpSegment[]): Buffer {
  return Buffer.concat(
    segments.map((segment) =>
      ethernet(
        '02:00:00:00:00:02',
        '02:00:00:00:00:01',
        ipv4(segment, PROTOCOL.tcp, tcp(segment, segment.sport, segment.dport, segment.flags)),
      ),
    ),
  );
}

/** The `index`-th address of a block of distinct IPv4 peers 10.200.0.0 and up (up to 3.6M of them). */
export function peerAddress(index: number): string {
  return `10.${200 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
}
