import { execFileSync } from 'node:child_process';
import { parseIp } from '../../server/net/ip.ts';
import { BUILD_DIR } from '../datapath/addon.ts';
import { addressBytes } from '../datapath/layout.ts';

/**
 * Crafted packets for the lab's tests: what no socket sends on its own (a later fragment alone,
 * an ICMP error about any flow, a TCP segment of no connection, an IPv6 packet carrying an
 * IPv4-mapped address), built byte by byte with correct checksums and sent from inside a pod.
 */

const SEND_FRAMES = `${BUILD_DIR}palisade-send-frames`;

export const PROTOCOL = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;
export const TCP_FLAGS = { fin: 0x01, syn: 0x02, rst: 0x04, ack: 0x10 } as const;

/** Raw bytes of an address as the packet carries it: 4 for IPv4, 16 for IPv6 (mapped ones too). */
function addressOf(text: string): Buffer {
  const ip = parseIp(text);
  if (!ip) throw new Error(`${text} is not an IP address`);
  const bytes = addressBytes(ip.family, ip.value);
  return ip.family === 4 ? bytes.subarray(12) : bytes;
}

/** The ones' complement sum of RFC 1071. */
function checksum(...parts: Buffer[]): number {
  const data = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += (data[i] ?? 0) * 256 + (data[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The pseudo-header transport checksums cover. */
function pseudoHeader(src: string, dst: string, protocol: number, length: number): Buffer {
  const [from, to] = [addressOf(src), addressOf(dst)];
  if (from.length === 4) {
    const header = Buffer.alloc(12);
    from.copy(header, 0);
    to.copy(header, 4);
    header[9] = protocol;
    header.writeUInt16BE(length, 10);
    return header;
  }
  const header = Buffer.alloc(40);
  from.copy(header, 0);
  to.copy(header, 16);
  header.writeUInt32BE(length, 32);
  header[39] = protocol;
  return header;
}

/** Sets the checksum at `offset` of a transport header over the pseudo-header and the segment. */
function withChecksum(segment: Buffer, offset: number, src: string, dst: string, protocol: number): Buffer {
  segment.writeUInt16BE(0, offset);
  segment.writeUInt16BE(checksum(pseudoHeader(src, dst, protocol, segment.length), segment), offset);
  return segment;
}

export interface Endpoints {
  readonly src: string;
  readonly dst: string;
}

export function udp(at: Endpoints, sport: number, dport: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const segment = Buffer.concat([Buffer.alloc(8), payload]);
  segment.writeUInt16BE(sport, 0);
  segment.writeUInt16BE(dport, 2);
  segment.writeUInt16BE(segment.length, 4);
  return withChecksum(segment, 6, at.src, at.dst, PROTOCOL.udp);
}

export function tcp(at: Endpoints, sport: number, dport: number, flags: number, seq = 1000, ack = 0): Buffer {
  const segment = Buffer.alloc(20);
  segment.writeUInt16BE(sport, 0);
  segment.writeUInt16BE(dport, 2);
  segment.writeUInt32BE(seq, 4);
  segment.writeUInt32BE(ack, 8);
  segment[12] = 5 << 4;
  segment[13] = flags;
  segment.writeUInt16BE(64240, 14);
  return withChecksum(segment, 16, at.src, at.dst, PROTOCOL.tcp);
}

/** An ICMP (IPv4) or ICMPv6 message: type, code, 4 bytes of rest, then the body. */
export function icmp(at: Endpoints, type: number, code: number, body: Buffer, rest = 0): Buffer {
  const message = Buffer.concat([Buffer.alloc(8), body]);
  message[0] = type;
  message[1] = code;
  message.writeUInt32BE(rest, 4);
  const v6 = addressOf(at.src).length === 16;
  if (!v6) {
    message.writeUInt16BE(checksum(message), 2);
    return message;
  }
  return withChecksum(message, 2, at.src, at.dst, PROTOCOL.icmpv6);
}

export interface Ipv4Options {
  readonly id?: number;
  /** Fragment offset in bytes (a multiple of 8). */
  readonly fragmentOffset?: number;
  readonly moreFragments?: boolean;
}

/** An IPv4 packet (no options, DF clear). */
export function ipv4(at: Endpoints, protocol: number, payload: Buffer, options: Ipv4Options = {}): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + payload.length, 2);
  header.writeUInt16BE(options.id ?? 1, 4);
  header.writeUInt16BE(((options.fragmentOffset ?? 0) >> 3) | (options.moreFragments ? 0x2000 : 0), 6);
  header[8] = 64;
  header[9] = protocol;
  addressOf(at.src).copy(header, 12);
  addressOf(at.dst).copy(header, 16);
  header.writeUInt16BE(checksum(header), 10);
  return Buffer.concat([header, payload]);
}

/** An IPv6 packet; the payload may start with extension headers, `nextHeader` naming the first. */
export function ipv6(at: Endpoints, nextHeader: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(40);
  header.writeUInt32BE(0x60000000, 0);
  header.writeUInt16BE(payload.length, 4);
  header[6] = nextHeader;
  header[7] = 64;
  addressOf(at.src).copy(header, 8);
  addressOf(at.dst).copy(header, 24);
  return Buffer.concat([header, payload]);
}

function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').join(''), 'hex');
}

/** An Ethernet frame carrying an IPv4 or IPv6 packet. */
export function ethernet(dstMac: string, srcMac: string, packet: Buffer): Buffer {
  const type = Buffer.alloc(2);
  type.writeUInt16BE((packet[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800);
  return Buffer.concat([macBytes(dstMac), macBytes(srcMac), type, packet]);
}

/** The MAC address of an interface in a network namespace. */
export function macOf(netns: string, ifname: string): string {
  const [link] = JSON.parse(
    execFileSync('ip', ['-n', netns, '-j', 'link', 'show', ifname], { encoding: 'utf8' }),
  ) as { address: string }[];
  if (!link) throw new Error(`no interface ${ifname} in ${netns}`);
  return link.address;
}

/** Sends frames out of `ifname` inside the network namespace `netns` (a name under /run/netns). */
export function sendFrames(netns: string, ifname: string, frames: readonly Buffer[]): void {
  execFileSync('nsenter', [
    `--net=/run/netns/${netns}`,
    SEND_FRAMES,
    ifname,
    ...frames.map((frame) => frame.toString('hex')),
  ]);
}
