import { formatIp } from '../../server/net/ip.ts';

/**
 * The byte layout of agent/bpf/palisade.h, stated again for TypeScript. layout.test.ts checks
 * every size and offset here against the addon's sizeof/offsetof, so the two cannot drift.
 */
export const LAYOUT = {
  lpm_key: { size: 20, offsets: { prefixlen: 0, addr: 4 } },
  port_range: { size: 12, offsets: { rule_id: 0, start: 4, end: 6, protocol: 8 } },
  rule_value: { size: 4 + 12 * 24, offsets: { count: 0, ranges: 4 } },
  pod_state: { size: 16, offsets: { ingress_mode: 0, egress_mode: 4, active_slot: 8, pod_id: 12 } },
  flow_key: { size: 40, offsets: { src: 0, dst: 16, sport: 32, dport: 34, protocol: 36 } },
  flow_state: { size: 16, offsets: { last_seen_ns: 0, rule_id: 8, direction: 12 } },
  flow_event: {
    size: 56,
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
    },
  },
} as const;

export const MAX_PORT_RANGES = 24;

export const MODE = { allowAll: 0, enforce: 1, denyAll: 2 } as const;
export type Mode = (typeof MODE)[keyof typeof MODE];
export const DIRECTION = { ingress: 0, egress: 1 } as const;

/** A 128-bit address (IPv4 as ::ffff:a.b.c.d) as the kernel keys it. */
export function addressBytes(family: 4 | 6, value: bigint): Buffer {
  const bytes = Buffer.alloc(16);
  const full = family === 4 ? (0xffffn << 32n) | value : value;
  for (let i = 0; i < 16; i++) bytes[15 - i] = Number((full >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

/** The address of 16 kernel bytes, as text (IPv4-mapped addresses as IPv4). */
export function addressText(bytes: Buffer): string {
  // The common case, IPv4-mapped, without big integers: it runs for every flow event.
  if (bytes.readUInt32BE(0) === 0 && bytes.readUInt32BE(4) === 0 && bytes.readUInt32BE(8) === 0xffff) {
    return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value >> 32n === 0xffffn
    ? formatIp({ family: 4, value: value & 0xffffffffn })
    : formatIp({ family: 6, value });
}

export interface PortRange {
  readonly ruleId: number;
  readonly start: number;
  readonly end: number;
  /** IP protocol number, 0 for any. */
  readonly protocol: number;
}

export function encodeLpmKey(prefixlen: number, address: Buffer): Buffer {
  const key = Buffer.alloc(LAYOUT.lpm_key.size);
  key.writeUInt32LE(prefixlen, LAYOUT.lpm_key.offsets.prefixlen);
  address.copy(key, LAYOUT.lpm_key.offsets.addr);
  return key;
}

export function decodeLpmKey(key: Buffer): { prefixlen: number; address: Buffer } {
  const { offsets } = LAYOUT.lpm_key;
  return {
    prefixlen: key.readUInt32LE(offsets.prefixlen),
    address: key.subarray(offsets.addr, offsets.addr + 16),
  };
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
    };
  });
}

export interface PodStateValue {
  readonly ingressMode: Mode;
  readonly egressMode: Mode;
  readonly activeSlot: 0 | 1;
  readonly podId: number;
}

export function encodePodState(state: PodStateValue): Buffer {
  const { size, offsets } = LAYOUT.pod_state;
  const buffer = Buffer.alloc(size);
  buffer.writeUInt32LE(state.ingressMode, offsets.ingress_mode);
  buffer.writeUInt32LE(state.egressMode, offsets.egress_mode);
  buffer.writeUInt32LE(state.activeSlot, offsets.active_slot);
  buffer.writeUInt32LE(state.podId, offsets.pod_id);
  return buffer;
}

export function decodePodState(buffer: Buffer): PodStateValue {
  const { offsets } = LAYOUT.pod_state;
  return {
    ingressMode: buffer.readUInt32LE(offsets.ingress_mode) as Mode,
    egressMode: buffer.readUInt32LE(offsets.egress_mode) as Mode,
    activeSlot: buffer.readUInt32LE(offsets.active_slot) === 1 ? 1 : 0,
    podId: buffer.readUInt32LE(offsets.pod_id),
  };
}

/** A flow as the kernel keys it. */
export interface FlowKey {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly protocol: number;
}

export function decodeFlowKey(buffer: Buffer): FlowKey {
  const { offsets } = LAYOUT.flow_key;
  return {
    src: addressText(buffer.subarray(offsets.src, offsets.src + 16)),
    dst: addressText(buffer.subarray(offsets.dst, offsets.dst + 16)),
    sport: buffer.readUInt16LE(offsets.sport),
    dport: buffer.readUInt16LE(offsets.dport),
    protocol: buffer.readUInt8(offsets.protocol),
  };
}

/** One record of the ring buffer. */
export interface FlowEvent extends FlowKey {
  /** Kernel monotonic nanoseconds. */
  readonly timestampNs: bigint;
  readonly direction: 'ingress' | 'egress';
  readonly verdict: 'allow' | 'deny';
  readonly kind: 'new-flow' | 'denied';
  readonly ruleId: number;
  readonly podId: number;
}

export function decodeFlowEvents(batch: Buffer): FlowEvent[] {
  const { size, offsets } = LAYOUT.flow_event;
  const events: FlowEvent[] = [];
  for (let base = 0; base + size <= batch.length; base += size) {
    events.push({
      timestampNs: batch.readBigUInt64LE(base + offsets.timestamp_ns),
      src: addressText(batch.subarray(base + offsets.src, base + offsets.src + 16)),
      dst: addressText(batch.subarray(base + offsets.dst, base + offsets.dst + 16)),
      sport: batch.readUInt16LE(base + offsets.sport),
      dport: batch.readUInt16LE(base + offsets.dport),
      protocol: batch.readUInt8(base + offsets.protocol),
      direction: batch.readUInt8(base + offsets.direction) === DIRECTION.egress ? 'egress' : 'ingress',
      verdict: batch.readUInt8(base + offsets.verdict) === 0 ? 'allow' : 'deny',
      kind: batch.readUInt8(base + offsets.kind) === 0 ? 'new-flow' : 'denied',
      ruleId: batch.readUInt32LE(base + offsets.rule_id),
      podId: batch.readUInt32LE(base + offsets.pod_id),
    });
  }
  return events;
}
