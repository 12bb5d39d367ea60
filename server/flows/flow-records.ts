import { addressBytes, addressText, REASONS, TIERS } from '../../agent/datapath/layout.ts';
import { parseIp } from '../net/ip.ts';
import type { Flow } from './flow.ts';

/**
 * Flows stored in bulk: a block of fixed-width records, one per flow, that the flow store keeps as
 * one value (see flow-store.ts), so that storing a flow costs writing 64 bytes rather than a row
 * and its index entries. Names are ids of the store's names table (0: none).
 *
 *   0  time (milliseconds, float64)     24  source address (16 bytes, IPv4 as ::ffff:a.b.c.d)
 *   8  pod id (uint32)                  40  destination address (16 bytes)
 *  12  policy id                        56  source port (uint16)   58  destination port
 *  16  peer id                          60  protocol (uint8)       61  bits (BITS)
 *  20  Service id                       62  reason (REASONS index, 255: none)  63  tier (TIERS index)
 *
 * Numbers are little-endian.
 */
export const RECORD_BYTES = 64;
const AT = {
  time: 0,
  pod: 8,
  policy: 12,
  peer: 16,
  service: 20,
  src: 24,
  dst: 40,
  sport: 56,
  dport: 58,
  protocol: 60,
  bits: 61,
  reason: 62,
  tier: 63,
} as const;
const BITS = { egress: 1, deny: 2, denied: 4, ipv6: 8 } as const;
const NO_REASON = 255;

/** The name ids a record holds besides its node's (0: none). */
export interface RecordNames {
  readonly pod: number;
  readonly policy: number;
  readonly peer: number;
  readonly service: number;
}

/** Writes the 16 bytes of an address of `family` (text as flows hold it, already valid). */
function writeAddress(bytes: Buffer, view: DataView, at: number, text: string, family: 4 | 6): void {
  if (family === 6) {
    addressBytes(6, parseIp(text)?.value ?? 0n).copy(bytes, at);
    return;
  }
  view.setUint32(at, 0);
  view.setUint32(at + 4, 0);
  view.setUint32(at + 8, 0xffff);
  // Four decimal octets: no split or regular expression, as it runs for every flow stored.
  let octet = 0;
  let to = at + 12;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      bytes[to++] = octet;
      octet = 0;
    } else octet = octet * 10 + code - 48;
  }
  bytes[to] = octet;
}

/** A block's records, read and written in place. */
export class FlowRecords {
  readonly bytes: Buffer;
  /** The same bytes, for numbers without Buffer's range checks (every value written is in range). */
  private readonly view: DataView;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Room for `count` records, each to be set (set writes every byte of a record). */
  static empty(count: number): FlowRecords {
    return new FlowRecords(Buffer.allocUnsafe(count * RECORD_BYTES));
  }

  get count(): number {
    return this.bytes.length / RECORD_BYTES;
  }

  set(i: number, flow: Flow, names: RecordNames): void {
    const { bytes, view } = this;
    const at = i * RECORD_BYTES;
    const family = flow.family ?? (flow.src.includes(':') ? 6 : 4);
    view.setFloat64(at + AT.time, flow.time, true);
    view.setUint32(at + AT.pod, names.pod, true);
    view.setUint32(at + AT.policy, names.policy, true);
    view.setUint32(at + AT.peer, names.peer, true);
    view.setUint32(at + AT.service, names.service, true);
    writeAddress(bytes, view, at + AT.src, flow.src, family);
    writeAddress(bytes, view, at + AT.dst, flow.dst, family);
    view.setUint16(at + AT.sport, flow.sport, true);
    view.setUint16(at + AT.dport, flow.dport, true);
    bytes[at + AT.protocol] = flow.protocol;
    bytes[at + AT.bits] =
      (flow.direction === 'egress' ? BITS.egress : 0) |
      (flow.verdict === 'deny' ? BITS.deny : 0) |
      (flow.kind === 'denied' ? BITS.denied : 0) |
      (family === 6 ? BITS.ipv6 : 0);
    bytes[at + AT.reason] = flow.reason === undefined ? NO_REASON : REASONS.indexOf(flow.reason);
    bytes[at + AT.tier] = Math.max(TIERS.indexOf(flow.tier ?? 'None'), 0);
  }

  time(i: number): number {
    return this.view.getFloat64(i * RECORD_BYTES + AT.time, true);
  }

  pod(i: number): number {
    return this.view.getUint32(i * RECORD_BYTES + AT.pod, true);
  }

  peer(i: number): number {
    return this.view.getUint32(i * RECORD_BYTES + AT.peer, true);
  }

  setPeer(i: number, peer: number): void {
    this.view.setUint32(i * RECORD_BYTES + AT.peer, peer, true);
  }

  service(i: number): number {
    return this.view.getUint32(i * RECORD_BYTES + AT.service, true);
  }

  /** Every name id the record holds (0 for none). */
  names(i: number): RecordNames {
    const at = i * RECORD_BYTES;
    return {
      pod: this.view.getUint32(at + AT.pod, true),
      policy: this.view.getUint32(at + AT.policy, true),
      peer: this.view.getUint32(at + AT.peer, true),
      service: this.view.getUint32(at + AT.service, true),
    };
  }

  egress(i: number): boolean {
    return ((this.bytes[i * RECORD_BYTES + AT.bits] as number) & BITS.egress) !== 0;
  }

  deny(i: number): boolean {
    return ((this.bytes[i * RECORD_BYTES + AT.bits] as number) & BITS.deny) !== 0;
  }

  family(i: number): 4 | 6 {
    return ((this.bytes[i * RECORD_BYTES + AT.bits] as number) & BITS.ipv6) !== 0 ? 6 : 4;
  }

  /** The REASONS index, or -1 for none. */
  reason(i: number): number {
    const reason = this.bytes[i * RECORD_BYTES + AT.reason] as number;
    return reason === NO_REASON ? -1 : reason;
  }

  tier(i: number): number {
    return this.bytes[i * RECORD_BYTES + AT.tier] as number;
  }

  dport(i: number): number {
    return this.view.getUint16(i * RECORD_BYTES + AT.dport, true);
  }

  sport(i: number): number {
    return this.view.getUint16(i * RECORD_BYTES + AT.sport, true);
  }

  protocol(i: number): number {
    return this.bytes[i * RECORD_BYTES + AT.protocol] as number;
  }

  src(i: number): string {
    const at = i * RECORD_BYTES + AT.src;
    return addressText(this.bytes.subarray(at, at + 16), this.family(i));
  }

  dst(i: number): string {
    const at = i * RECORD_BYTES + AT.dst;
    return addressText(this.bytes.subarray(at, at + 16), this.family(i));
  }

  /** The record as a flow of `node`, its ids named by `nameOf`. */
  flow(i: number, node: string, nameOf: (id: number) => string | undefined): Flow {
    const bits = this.bytes[i * RECORD_BYTES + AT.bits] as number;
    const { pod, policy, peer, service } = this.names(i);
    const reason = this.reason(i);
    const named = (key: string, id: number) => {
      const name = id === 0 ? undefined : nameOf(id);
      return name === undefined ? {} : { [key]: name };
    };
    return {
      time: this.time(i),
      node,
      ...named('pod', pod),
      direction: bits & BITS.egress ? 'egress' : 'ingress',
      verdict: bits & BITS.deny ? 'deny' : 'allow',
      kind: bits & BITS.denied ? 'denied' : 'new-flow',
      src: this.src(i),
      sport: this.sport(i),
      dst: this.dst(i),
      dport: this.dport(i),
      protocol: this.protocol(i),
      family: bits & BITS.ipv6 ? 6 : 4,
      ...(reason < 0 ? {} : { reason: REASONS[reason] ?? 'policy' }),
      tier: TIERS[this.tier(i)] ?? 'None',
      ...named('policy', policy),
      ...named('peer', peer),
      ...named('service', service),
    };
  }

  /** The records whose indexes `keep` lists, in that order. */
  select(keep: readonly number[]): FlowRecords {
    const bytes = Buffer.alloc(keep.length * RECORD_BYTES);
    keep.forEach((from, to) => {
      this.bytes.copy(bytes, to * RECORD_BYTES, from * RECORD_BYTES, (from + 1) * RECORD_BYTES);
    });
    return new FlowRecords(bytes);
  }
}
