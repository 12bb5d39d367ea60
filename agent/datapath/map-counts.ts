import { addon, MAP_COUNTS_OBJECT } from './addon.ts';

/** The kinds of map whose entries the kernel counts (enum bpf_map_type): the hash maps. */
const COUNTED_TYPES = new Set([
  1, // BPF_MAP_TYPE_HASH
  5, // BPF_MAP_TYPE_PERCPU_HASH
  9, // BPF_MAP_TYPE_LRU_HASH
  10, // BPF_MAP_TYPE_LRU_PERCPU_HASH
]);
/** A record of map-counts.bpf.c: the map's id (u32), 4 bytes of padding, its entries (s64). */
const RECORD_BYTES = 16;

/** The link of the counting iterator, once loaded; null where the kernel cannot run it (before Linux 6.6). */
let counter: number | null | undefined;

/** The kernel's count of entries of every map, by map id, as of one moment. */
export type KernelCounts = ReadonlyMap<number, number>;

/**
 * The kernel's count of entries of every map, by map id (one pass over all maps: read it once for
 * many maps); undefined where the kernel keeps none.
 */
export function kernelCounts(): KernelCounts | undefined {
  if (counter === undefined) {
    try {
      counter = addon().mapCounter(MAP_COUNTS_OBJECT);
    } catch {
      counter = null;
    }
  }
  if (counter === null) return undefined;
  const records = addon().iteratorRead(counter);
  const counts = new Map<number, number>();
  for (let at = 0; at + RECORD_BYTES <= records.length; at += RECORD_BYTES)
    counts.set(records.readUInt32LE(at), Number(records.readBigInt64LE(at + 8)));
  return counts;
}

/**
 * How many entries the map of `fd` holds: the kernel's own count for hash maps (from `counts`),
 * which costs the same however full they are (a busy conntrack changes under a walk, and walking
 * it copies every entry); else its entries walked (LPM tries, and kernels before 6.6).
 */
export function entriesOf(
  fd: number,
  map: { readonly id: number; readonly type: number },
  counts = kernelCounts(),
): number {
  const counted = COUNTED_TYPES.has(map.type) ? counts?.get(map.id) : undefined;
  return counted ?? addon().mapCount(fd);
}
