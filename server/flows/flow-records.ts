import {
  addressBytes,
  addressText,
  DIRECTION,
  FAMILY,
  LAYOUT,
  REASONS,
  recordTime,
  TIERS,
} from '../../agent/datapath/layout.ts';
import { parseIp } from '../net/ip.ts';
import type { Flow } from './flow.ts';

/**
 * Flows stored in bulk: a block of fixed-width records, one per flow, that the flow store keeps as
 * one value (see flow-store.ts), so that storing a flow costs writing 64 bytes rather than a row
 * and its index entries. Names are ids (0: none): of a FlowBlock's own names while a batch is
 * taken in, of the store's names table once stored.
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
/** Where a record holds name ids. */
const NAME_FIELDS = [AT.pod, AT.policy, AT.peer, AT.service] as const;
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
  view.setUint32(at + 12, ipv4Number(text));
}

/**
 * Four decimal octets as a number, read without split or regular expression as it runs for every
 * flow stored; text that is not an IPv4 address (a flow stored before the ingest checked them) is 0.
 */
function ipv4Number(text: string): number {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 && octet >= 0 && dots < 3) {
      value = value * 256 + octet;
      octet = -1;
      dots++;
    } else if (code >= 48 && code <= 57 && Math.max(octet, 0) * 10 + code - 48 <= 255) {
      octet = Math.max(octet, 0) * 10 + code - 48;
    } else return 0;
  }
  return dots === 3 && octet >= 0 ? value * 256 + octet : 0;
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

  /** Room for `count` records, each to be set. */
  static empty(count: number): FlowRecords {
    return new FlowRecords(Buffer.alloc(count * RECORD_BYTES));
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

  /**
   * Sets the `i`th record from a ring buffer record (at `base` of `kernel`, checked by its layout:
   * see checkFlowRecords), with the wall clock of `clockMs` and the names' ids given; the
   * addresses and ports are copied as they are.
   */
  setFromKernel(
    i: number,
    kernel: Buffer,
    kernelView: DataView,
    base: number,
    clockMs: number,
    names: RecordNames,
  ): void {
    const { offsets } = LAYOUT.flow_event;
    const { bytes, view } = this;
    const at = i * RECORD_BYTES;
    const ipv6 = kernel[base + offsets.family] === FAMILY.ipv6;
    view.setFloat64(at + AT.time, recordTime(kernel, base, clockMs), true);
    view.setUint32(at + AT.pod, names.pod, true);
    view.setUint32(at + AT.policy, names.policy, true);
    view.setUint32(at + AT.peer, names.peer, true);
    view.setUint32(at + AT.service, names.service, true);
    this.copyAddress(at + AT.src, kernelView, base + offsets.src, ipv6);
    this.copyAddress(at + AT.dst, kernelView, base + offsets.dst, ipv6);
    // Both ports, little-endian in both layouts.
    view.setUint32(at + AT.sport, kernelView.getUint32(base + offsets.sport));
    bytes[at + AT.protocol] = kernel[base + offsets.protocol] as number;
    bytes[at + AT.bits] =
      (kernel[base + offsets.direction] === DIRECTION.egress ? BITS.egress : 0) |
      (kernel[base + offsets.verdict] === 0 ? 0 : BITS.deny) |
      (kernel[base + offsets.kind] === 0 ? 0 : BITS.denied) |
      (ipv6 ? BITS.ipv6 : 0);
    bytes[at + AT.reason] = kernel[base + offsets.reason] as number;
    bytes[at + AT.tier] = kernel[base + offsets.tier] as number;
  }

  /** An address of a ring buffer record (at `from`) into the record's bytes at `at`. */
  private copyAddress(at: number, kernel: DataView, from: number, ipv6: boolean): void {
    const { view } = this;
    // IPv4 as ::ffff:a.b.c.d, whatever the kernel left before its four bytes.
    view.setUint32(at, ipv6 ? kernel.getUint32(from) : 0);
    view.setUint32(at + 4, ipv6 ? kernel.getUint32(from + 4) : 0);
    view.setUint32(at + 8, ipv6 ? kernel.getUint32(from + 8) : 0xffff);
    view.setUint32(at + 12, kernel.getUint32(from + 12));
  }

  setTime(i: number, time: number): void {
    this.view.setFloat64(i * RECORD_BYTES + AT.time, time, true);
  }

  setService(i: number, service: number): void {
    this.view.setUint32(i * RECORD_BYTES + AT.service, service, true);
  }

  /** A copy whose name ids are `ids[id]` of these (a block's own ids as the store's). */
  renamed(ids: readonly number[]): FlowRecords {
    const copy = new FlowRecords(Buffer.from(this.bytes));
    for (let i = 0; i < this.count; i++) {
      const at = i * RECORD_BYTES;
      for (const field of NAME_FIELDS)
        copy.view.setUint32(at + field, ids[this.view.getUint32(at + field, true)] ?? 0, true);
    }
    return copy;
  }

  /** The records from `start` to `end` (indexes), sharing these bytes. */
  slice(start: number, end: number): FlowRecords {
    return new FlowRecords(this.bytes.subarray(start * RECORD_BYTES, end * RECORD_BYTES));
  }

  /**
   * A key of the address at the other end of the record's pod (the source of ingress, the
   * destination of egress): an IPv4 address as its number, an IPv6 one as its bytes in hex.
   */
  peerKey(i: number): number | string {
    const at = i * RECORD_BYTES + (this.egress(i) ? AT.dst : AT.src);
    if (this.family(i) === 6) return this.bytes.toString('hex', at, at + 16);
    return this.view.getUint32(at + 12);
  }

  /** The address at the other end of the record's pod, as text. */
  peerText(i: number): string {
    return this.egress(i) ? this.dst(i) : this.src(i);
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

  /** The record as a flow of `node`, its ids named by `nameOf` (a flow has no key for a name it lacks). */
  flow(i: number, node: string, nameOf: (id: number) => string | undefined): Flow {
    const bits = this.bytes[i * RECORD_BYTES + AT.bits] as number;
    const { pod, policy, peer, service } = this.names(i);
    const reason = this.reason(i);
    const flow: { -readonly [K in keyof Flow]: Flow[K] } = {
      time: this.time(i),
      node,
      direction: bits & BITS.egress ? 'egress' : 'ingress',
      verdict: bits & BITS.deny ? 'deny' : 'allow',
      kind: bits & BITS.denied ? 'denied' : 'new-flow',
      src: this.src(i),
      sport: this.sport(i),
      dst: this.dst(i),
      dport: this.dport(i),
      protocol: this.protocol(i),
      family: bits & BITS.ipv6 ? 6 : 4,
      tier: TIERS[this.tier(i)] ?? 'None',
    };
    if (reason >= 0) flow.reason = REASONS[reason] ?? 'policy';
    if (pod !== 0) flow.pod = nameOf(pod);
    if (policy !== 0) flow.policy = nameOf(policy);
    if (peer !== 0) flow.peer = nameOf(peer);
    if (service !== 0) flow.service = nameOf(service);
    return flow;
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

/**
 * Flows of one node as records, with the names their ids stand for (`names[id]`; id 0: none): a
 * batch becomes a block once, as it arrives, and is stored as it is (the store gives each name
 * its own id).
 */
export class FlowBlock {
  readonly records: FlowRecords;
  readonly names: (string | undefined)[] = [undefined];
  private readonly ids = new Map<string, number>();

  constructor(records: FlowRecords) {
    this.records = records;
  }

  /** Flows (their node aside) as a block. */
  static of(flows: readonly Flow[]): FlowBlock {
    const block = new FlowBlock(FlowRecords.empty(flows.length));
    flows.forEach((flow, i) => {
      block.records.set(i, flow, {
        pod: block.idOf(flow.pod),
        policy: block.idOf(flow.policy),
        peer: block.idOf(flow.peer),
        service: block.idOf(flow.service),
      });
    });
    return block;
  }

  /**
   * Ring buffer records (checked by their layout), with the wall clock of `clockMs` and the
   * names of their pod ids and rule ids, as a block: nothing is made per flow but its record.
   */
  static ofKernel(
    kernel: Buffer,
    clockMs: number,
    pods: ReadonlyMap<number, string>,
    policies: ReadonlyMap<number, string>,
  ): FlowBlock {
    const { size, offsets } = LAYOUT.flow_event;
    const block = new FlowBlock(FlowRecords.empty(kernel.length / size));
    // Ids of the kernel's pod and rule ids, as they come (a batch holds a few of each).
    const podIds = new Map<number, number>();
    const policyIds = new Map<number, number>();
    const idOf = (cache: Map<number, number>, names: ReadonlyMap<number, string>, kernelId: number) => {
      let id = cache.get(kernelId);
      if (id === undefined) {
        id = block.idOf(names.get(kernelId));
        cache.set(kernelId, id);
      }
      return id;
    };
    const view = new DataView(kernel.buffer, kernel.byteOffset, kernel.byteLength);
    for (let i = 0, base = 0; base < kernel.length; i++, base += size) {
      block.records.setFromKernel(i, kernel, view, base, clockMs, {
        pod: idOf(podIds, pods, kernel.readUInt32LE(base + offsets.pod_id)),
        policy: idOf(policyIds, policies, kernel.readUInt32LE(base + offsets.rule_id)),
        peer: 0,
        service: 0,
      });
    }
    return block;
  }

  get count(): number {
    return this.records.count;
  }

  /** The block's id of a name, added when new; 0 for none. */
  idOf(name: string | undefined): number {
    if (name === undefined) return 0;
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  readonly nameOf = (id: number): string | undefined => this.names[id];

  /** The `i`th flow, of `node`. */
  flow(i: number, node: string): Flow {
    return this.records.flow(i, node, this.nameOf);
  }
}
