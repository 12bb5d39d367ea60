import { FieldError } from '../../server/kube/field-error.ts';
import { formatIp, parseIp } from '../../server/net/ip.ts';

/**
 * The byte layout of agent/bpf/palisade.h, stated again for TypeScript. layout.test.ts checks
 * every size and offset here against the addon's sizeof/offsetof, so the two cannot drift.
 */
export const LAYOUT = {
  lpm_key: { size: 24, offsets: { prefixlen: 0, family: 4, addr: 5 } },
  exact_key: { size: 20, offsets: { addr: 0, family: 16 } },
  port_range: { size: 12, offsets: { rule_id: 0, start: 4, end: 6, protocol: 8, action: 9, tier: 10 } },
  rule_value: { size: 4 + 12 * 24, offsets: { count: 0, ranges: 4 } },
  pod_state: {
    size: 40,
    offsets: { ingress_mode: 0, egress_mode: 4, active_slot: 8, pod_id: 12, node_ipv4: 16, node_ipv6: 20 },
  },
  flow_key: { size: 40, offsets: { src: 0, dst: 16, sport: 32, dport: 34, protocol: 36, family: 37 } },
  conntrack_key: {
    size: 40,
    offsets: { pod: 0, peer: 16, pod_port: 32, peer_port: 34, protocol: 36, family: 37 },
  },
  flow_state: { size: 16, offsets: { last_seen_ns: 0, rule_id: 8, direction: 12, state: 13, fin: 14 } },
  fragment_key: {
    size: 40,
    offsets: { src: 0, dst: 16, id: 32, protocol: 36, family: 37, direction: 38 },
  },
  flow_event: {
    size: 64,
    offsets: {
      timestamp_ns: 0,
      src: 8,
      dst: 24,
      sport: 40,
      dport: 42,
      protocol: 44,
      direction: 45,
      verdict: 46,
      kind: 47,
      rule_id: 48,
      pod_id: 52,
      family: 56,
      reason: 57,
      tier: 58,
    },
  },
} as const;

export const MAX_PORT_RANGES = 24;
/** The conntrack map's size when the agent is given none (PALISADE_CONNTRACK_DEFAULT_ENTRIES). */
export const CONNTRACK_DEFAULT_ENTRIES = 16384;
/** Every rule map's size, exact and prefix alike (PALISADE_RULES_MAX_ENTRIES). */
export const RULES_MAX_ENTRIES = 16384;
/** Each map of distinct rule sets' size (PALISADE_RULE_SETS_MAX_ENTRIES): rule entries hold an index into it. */
export const RULE_SETS_MAX_ENTRIES = 16384;
/** The value of an exact or prefix entry: the index (u32) of its rule set in the slot's sets map. */
export const RULE_SET_INDEX_SIZE = 4;

/**
 * How a direction is enforced: not at all, by its rules with what they do not decide denied (a
 * NetworkPolicy isolates the pod), closed, or by its rules with what they do not decide passing
 * (only cluster policies apply).
 */
export const MODE = { allowAll: 0, enforce: 1, denyAll: 2, enforceOpen: 3 } as const;
export type Mode = (typeof MODE)[keyof typeof MODE];
export const DIRECTION = { ingress: 0, egress: 1 } as const;
export const FAMILY = { ipv4: 4, ipv6: 6 } as const;
/** Conntrack entry states (flow_state.state). */
export const CONNTRACK_STATE = { new: 0, open: 1, closing: 2, cut: 3 } as const;
const CONNTRACK_STATE_NAMES = ['new', 'open', 'closing', 'cut'] as const;
export type ConntrackState = (typeof CONNTRACK_STATE_NAMES)[number];
/** What a port range does with what it matches (port_range.action); a Pass skips the rest of its tier. */
export const ACTION = { allow: 0, deny: 1, pass: 2 } as const;
export type Action = (typeof ACTION)[keyof typeof ACTION];
/** The tier of the policy that decided a flow (port_range.tier, flow_event.tier), by number. */
export const TIERS = ['None', 'Admin', 'NetworkPolicy', 'Baseline'] as const;
export type Tier = (typeof TIERS)[number];
export const TIER = { none: 0, admin: 1, networkPolicy: 2, baseline: 3 } as const;
/** Why a packet got its verdict (flow_event.reason), by number. */
export const REASONS = ['policy', 'node', 'cut', 'icmp', 'fragment', 'deny-all'] as const;
export type Reason = (typeof REASONS)[number];

/** A 128-bit address (IPv4 as ::ffff:a.b.c.d) as flows and events carry it. */
export function addressBytes(family: 4 | 6, value: bigint): Buffer {
  const bytes = Buffer.alloc(16);
  const full = family === 4 ? (0xffffn << 32n) | value : value;
  for (let i = 0; i < 16; i++) bytes[15 - i] = Number((full >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

/**
 * The address of 16 kernel bytes, as text. `family` says what the packet was: an IPv6 packet
 * carrying an IPv4-mapped address stays IPv6; without it, mapped addresses read as IPv4.
 */
export function addressText(bytes: Buffer, family?: number): string {
  const mapped =
    bytes.readUInt32BE(0) === 0 && bytes.readUInt32BE(4) === 0 && bytes.readUInt32BE(8) === 0xffff;
  // The common case, IPv4, without big integers: it runs for every flow event.
  if (mapped && family !== FAMILY.ipv6) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return formatIp({ family: 6, value });
}

/** One range of a rule set: the ranges are tried in order, and the first that matches decides. */
export interface PortRange {
  readonly ruleId: number;
  readonly start: number;
  readonly end: number;
  /** IP protocol number, 0 for any. */
  readonly protocol: number;
  readonly action: Action;
  /** The tier the range's policy belongs to (TIER): Admin, NetworkPolicy or Baseline. */
  readonly tier: number;
}

/** An LPM key for a prefix: the family byte, then the address (IPv4 in the first 4 bytes). */
export function encodeLpmKey(family: 4 | 6, network: bigint, prefix: number): Buffer {
  const key = Buffer.alloc(LAYOUT.lpm_key.size);
  const { offsets } = LAYOUT.lpm_key;
  key.writeUInt32LE(8 + prefix, offsets.prefixlen);
  key.writeUInt8(family, offsets.family);
  const bytes = family === 4 ? 4 : 16;
  for (let i = 0; i < bytes; i++) {
    key[offsets.addr + bytes - 1 - i] = Number((network >> BigInt(8 * i)) & 0xffn);
  }
  return key;
}

/** Whether a prefix is one whole address (/32, /128): it goes to the exact map, not the trie. */
export function isFullLength(block: { family: 4 | 6; prefix: number }): boolean {
  return block.prefix === (block.family === 4 ? 32 : 128);
}

/** An exact-map key for a whole address: its 16 bytes as flows carry them (IPv4 mapped), then the family. */
export function encodeExactKey(family: 4 | 6, address: bigint): Buffer {
  const key = Buffer.alloc(LAYOUT.exact_key.size);
  addressBytes(family, address).copy(key, LAYOUT.exact_key.offsets.addr);
  key.writeUInt8(family, LAYOUT.exact_key.offsets.family);
  return key;
}

/** An exact-map key as the full-length prefix it stands for. */
export function decodeExactKey(key: Buffer): { family: 4 | 6; network: bigint; prefix: number } {
  const { offsets } = LAYOUT.exact_key;
  const family = key.readUInt8(offsets.family) === FAMILY.ipv4 ? 4 : 6;
  const bytes = key.subarray(offsets.addr + (family === 4 ? 12 : 0), offsets.addr + 16);
  let network = 0n;
  for (const byte of bytes) network = (network << 8n) | BigInt(byte);
  return { family, network, prefix: family === 4 ? 32 : 128 };
}

/** An LPM key as a prefix: family, network and prefix length. */
export function decodeLpmKey(key: Buffer): { family: 4 | 6; network: bigint; prefix: number } {
  const { offsets } = LAYOUT.lpm_key;
  const family = key.readUInt8(offsets.family) === FAMILY.ipv4 ? 4 : 6;
  const bytes = family === 4 ? 4 : 16;
  let network = 0n;
  for (let i = 0; i < bytes; i++) network = (network << 8n) | BigInt(key[offsets.addr + i] ?? 0);
  return { family, network, prefix: key.readUInt32LE(offsets.prefixlen) - 8 };
}

export function encodeRuleValue(ranges: readonly PortRange[]): Buffer {
  if (ranges.length > MAX_PORT_RANGES)
    throw new Error(`more than ${MAX_PORT_RANGES} port ranges for one address`);
  const { rule_value: value, port_range: range } = LAYOUT;
  const buffer = Buffer.alloc(value.size);
  buffer.writeUInt32LE(ranges.length, value.offsets.count);
  ranges.forEach((item, i) => {
    const base = value.offsets.ranges + i * range.size;
    buffer.writeUInt32LE(item.ruleId, base + range.offsets.rule_id);
    buffer.writeUInt16LE(item.start, base + range.offsets.start);
    buffer.writeUInt16LE(item.end, base + range.offsets.end);
    buffer.writeUInt8(item.protocol, base + range.offsets.protocol);
    buffer.writeUInt8(item.action, base + range.offsets.action);
    buffer.writeUInt8(item.tier, base + range.offsets.tier);
  });
  return buffer;
}

export function decodeRuleValue(buffer: Buffer): PortRange[] {
  const { rule_value: value, port_range: range } = LAYOUT;
  const count = Math.min(buffer.readUInt32LE(value.offsets.count), MAX_PORT_RANGES);
  return Array.from({ length: count }, (_, i) => {
    const base = value.offsets.ranges + i * range.size;
    return {
      ruleId: buffer.readUInt32LE(base + range.offsets.rule_id),
      start: buffer.readUInt16LE(base + range.offsets.start),
      end: buffer.readUInt16LE(base + range.offsets.end),
      protocol: buffer.readUInt8(base + range.offsets.protocol),
      action: buffer.readUInt8(base + range.offsets.action) as Action,
      tier: buffer.readUInt8(base + range.offsets.tier),
    };
  });
}

export interface PodStateValue {
  readonly ingressMode: Mode;
  readonly egressMode: Mode;
  readonly activeSlot: 0 | 1;
  readonly podId: number;
  /** The pod's node's addresses (its hostIPs), at most one of each family: traffic with them always passes. */
  readonly nodeIPs: readonly string[];
}

export function encodePodState(state: PodStateValue): Buffer {
  const { size, offsets } = LAYOUT.pod_state;
  const buffer = Buffer.alloc(size);
  buffer.writeUInt32LE(state.ingressMode, offsets.ingress_mode);
  buffer.writeUInt32LE(state.egressMode, offsets.egress_mode);
  buffer.writeUInt32LE(state.activeSlot, offsets.active_slot);
  buffer.writeUInt32LE(state.podId, offsets.pod_id);
  for (const text of state.nodeIPs) {
    const ip = parseIp(text);
    if (!ip) throw new Error(`node address ${JSON.stringify(text)} is not an IP address`);
    const bytes = addressBytes(ip.family, ip.value);
    if (ip.family === 4) bytes.copy(buffer, offsets.node_ipv4, 12, 16);
    else bytes.copy(buffer, offsets.node_ipv6);
  }
  return buffer;
}

export function decodePodState(buffer: Buffer): PodStateValue {
  const { offsets } = LAYOUT.pod_state;
  const ipv4 = buffer.subarray(offsets.node_ipv4, offsets.node_ipv4 + 4);
  const ipv6 = buffer.subarray(offsets.node_ipv6, offsets.node_ipv6 + 16);
  const nodeIPs = [
    ...(ipv4.readUInt32BE(0) ? [ipv4.join('.')] : []),
    ...(ipv6.some((byte) => byte !== 0) ? [addressText(ipv6, FAMILY.ipv6)] : []),
  ];
  return {
    ingressMode: buffer.readUInt32LE(offsets.ingress_mode) as Mode,
    egressMode: buffer.readUInt32LE(offsets.egress_mode) as Mode,
    activeSlot: buffer.readUInt32LE(offsets.active_slot) === 1 ? 1 : 0,
    podId: buffer.readUInt32LE(offsets.pod_id),
    nodeIPs,
  };
}

/** A flow as the kernel keys it. */
export interface FlowKey {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly protocol: number;
  readonly family: 4 | 6;
}

/**
 * A conntrack key as the flow's forward tuple (its first packet's): the pod's end is the
 * destination of a flow let through ingress and the source of one let through egress.
 */
export function decodeConntrackKey(buffer: Buffer, direction: 'ingress' | 'egress'): FlowKey {
  const { offsets } = LAYOUT.conntrack_key;
  const family = buffer.readUInt8(offsets.family);
  const pod = addressText(buffer.subarray(offsets.pod, offsets.pod + 16), family);
  const peer = addressText(buffer.subarray(offsets.peer, offsets.peer + 16), family);
  const podPort = buffer.readUInt16LE(offsets.pod_port);
  const peerPort = buffer.readUInt16LE(offsets.peer_port);
  const ingress = direction === 'ingress';
  return {
    src: ingress ? peer : pod,
    dst: ingress ? pod : peer,
    sport: ingress ? peerPort : podPort,
    dport: ingress ? podPort : peerPort,
    protocol: buffer.readUInt8(offsets.protocol),
    family: family === FAMILY.ipv6 ? 6 : 4,
  };
}

/** A conntrack entry: the direction its flow was let through and where it stands. */
export interface FlowState {
  readonly lastSeenNs: bigint;
  readonly ruleId: number;
  readonly direction: 'ingress' | 'egress';
  readonly state: ConntrackState;
}

export function decodeFlowState(buffer: Buffer): FlowState {
  const { offsets } = LAYOUT.flow_state;
  return {
    lastSeenNs: buffer.readBigUInt64LE(offsets.last_seen_ns),
    ruleId: buffer.readUInt32LE(offsets.rule_id),
    direction: buffer.readUInt8(offsets.direction) === DIRECTION.egress ? 'egress' : 'ingress',
    state: CONNTRACK_STATE_NAMES[buffer.readUInt8(offsets.state)] ?? 'open',
  };
}

/** How long the kernel keeps a cut entry after its last packet (datapath.bpf.h's CUT_LINGER_NS). */
export const CUT_LINGER_NS = 120n * 1_000_000_000n;

/**
 * The entry with its state set to `state`, the rest kept; `nowNs` (the kernel's monotonic clock),
 * when given, as its last packet's time.
 */
export function flowStateAs(buffer: Buffer, state: 'cut' | 'open', nowNs?: bigint): Buffer {
  const { offsets } = LAYOUT.flow_state;
  const changed = Buffer.from(buffer);
  if (nowNs !== undefined) changed.writeBigUInt64LE(nowNs, offsets.last_seen_ns);
  changed.writeUInt8(CONNTRACK_STATE[state], offsets.state);
  return changed;
}

/** One record of the ring buffer, its time on the wall clock. */
export interface FlowEvent extends FlowKey {
  /** Wall-clock milliseconds of the kernel's (monotonic) timestamp. */
  readonly time: number;
  readonly direction: 'ingress' | 'egress';
  readonly verdict: 'allow' | 'deny';
  readonly kind: 'new-flow' | 'denied';
  /** Why: the policy (rule id 0: no isolation), the pod's node, a cut connection, an unrelated ICMP error, a stray fragment, a closed direction. */
  readonly reason: Reason;
  /** The tier of the policy that decided (None: the pod is not isolated, or no policy decided). */
  readonly tier: Tier;
  readonly ruleId: number;
  readonly podId: number;
}

/** Milliseconds to add to the kernel's monotonic clock (as milliseconds) for the wall clock now. */
export function monotonicToWallMs(): number {
  return Date.now() - Number(process.hrtime.bigint()) / 1e6;
}

/** A field of a record that no kernel writes: the record and the field, and what was there. */
function badRecord(index: number, field: string, value: number): never {
  throw new FieldError(`records[${index}].${field}`, `is not a value the kernel writes (${value})`);
}

/** Wall-clock milliseconds of a record's kernel timestamp, `clockMs` turning the kernel's clock into the wall's. */
export function recordTime(batch: Buffer, base: number, clockMs: number): number {
  const { offsets } = LAYOUT.flow_event;
  const ns =
    batch.readUInt32LE(base + offsets.timestamp_ns + 4) * 4294967296 +
    batch.readUInt32LE(base + offsets.timestamp_ns);
  return Math.floor(ns / 1e6 + clockMs);
}

/** The fields of a record that are 0 or 1. */
const ONE_BIT_FIELDS = ['direction', 'verdict', 'kind'] as const;

/**
 * Checks ring buffer records (back to back) by their layout: a record with a value no kernel
 * writes is an error naming the record and field, so that records from elsewhere (the ingest)
 * can be taken as they are.
 */
export function checkFlowRecords(batch: Buffer): void {
  const { size, offsets } = LAYOUT.flow_event;
  if (batch.length % size !== 0)
    throw new FieldError('records', `must be whole records of ${size} bytes, got ${batch.length} bytes`);
  for (let i = 0, base = 0; base < batch.length; i++, base += size) {
    const family = batch[base + offsets.family] as number;
    if (family !== FAMILY.ipv4 && family !== FAMILY.ipv6) badRecord(i, 'family', family);
    for (const field of ONE_BIT_FIELDS) {
      const value = batch[base + offsets[field]] as number;
      if (value > 1) badRecord(i, field, value);
    }
    const reason = batch[base + offsets.reason] as number;
    if (reason >= REASONS.length) badRecord(i, 'reason', reason);
    const tier = batch[base + offsets.tier] as number;
    if (tier >= TIERS.length) badRecord(i, 'tier', tier);
  }
}

/**
 * Ring buffer records (back to back) as events, `clockMs` as recordTime's. The records are the
 * kernel's as it wrote them, or were checked by checkFlowRecords (which a frame's are, as it is read).
 */
export function decodeFlowEvents(batch: Buffer, clockMs: number): FlowEvent[] {
  const { size, offsets } = LAYOUT.flow_event;
  const events: FlowEvent[] = new Array(batch.length / size);
  for (let i = 0, base = 0; base < batch.length; i++, base += size) {
    const family = batch[base + offsets.family] as number;
    events[i] = {
      time: recordTime(batch, base, clockMs),
      src: recordAddress(batch, base + offsets.src, family),
      dst: recordAddress(batch, base + offsets.dst, family),
      sport: batch.readUInt16LE(base + offsets.sport),
      dport: batch.readUInt16LE(base + offsets.dport),
      protocol: batch[base + offsets.protocol] as number,
      family: family === FAMILY.ipv6 ? 6 : 4,
      direction: batch[base + offsets.direction] === DIRECTION.egress ? 'egress' : 'ingress',
      verdict: batch[base + offsets.verdict] === 0 ? 'allow' : 'deny',
      kind: batch[base + offsets.kind] === 0 ? 'new-flow' : 'denied',
      reason: REASONS[batch[base + offsets.reason] as number] as Reason,
      tier: TIERS[batch[base + offsets.tier] as number] as Tier,
      ruleId: batch.readUInt32LE(base + offsets.rule_id),
      podId: batch.readUInt32LE(base + offsets.pod_id),
    };
  }
  return events;
}

/** An address of a record: IPv4 from its last four bytes, without making a view of them. */
function recordAddress(batch: Buffer, at: number, family: number): string {
  if (family === FAMILY.ipv4)
    return `${batch[at + 12]}.${batch[at + 13]}.${batch[at + 14]}.${batch[at + 15]}`;
  return addressText(batch.subarray(at, at + 16), family);
}

/** A record as the kernel writes it (for tests and benchmarks that make records without a kernel). */
export function encodeFlowEvent(event: FlowEvent, clockMs: number): Buffer {
  const { size, offsets } = LAYOUT.flow_event;
  const record = Buffer.alloc(size);
  record.writeBigUInt64LE(BigInt(Math.round((event.time - clockMs) * 1e6)), offsets.timestamp_ns);
  addressBytes(event.family, parseIp(event.src)?.value ?? 0n).copy(record, offsets.src);
  addressBytes(event.family, parseIp(event.dst)?.value ?? 0n).copy(record, offsets.dst);
  record.writeUInt16LE(event.sport, offsets.sport);
  record.writeUInt16LE(event.dport, offsets.dport);
  record.writeUInt8(event.protocol, offsets.protocol);
  record.writeUInt8(DIRECTION[event.direction], offsets.direction);
  record.writeUInt8(event.verdict === 'allow' ? 0 : 1, offsets.verdict);
  record.writeUInt8(event.kind === 'new-flow' ? 0 : 1, offsets.kind);
  record.writeUInt32LE(event.ruleId, offsets.rule_id);
  record.writeUInt32LE(event.podId, offsets.pod_id);
  record.writeUInt8(event.family, offsets.family);
  record.writeUInt8(REASONS.indexOf(event.reason), offsets.reason);
  record.writeUInt8(TIERS.indexOf(event.tier), offsets.tier);
  return record;
}
