/**
 * How a policy's entries are cut into PolicyEndpoints: at most `chunkSize` entries per list (as
 * AWS's controller does) and at most {@link MAX_LIST_BYTES} of JSON per list, since each entry
 * repeats its rule's ports: 200 entries of 150 ports each are 1.9 MB, past what etcd stores in one
 * object (1.5 MiB), and such a PolicyEndpoint could never be written.
 */
export const MAX_LIST_BYTES = 400_000;

const sizes = new WeakMap<object, number>();

/** An entry's JSON size, measured once: equal entries are one shared instance. */
export function entryBytes(entry: object): number {
  let size = sizes.get(entry);
  if (size === undefined) {
    size = JSON.stringify(entry).length + 1;
    sizes.set(entry, size);
  }
  return size;
}

/** A list's room: its entries and their bytes so far. */
export interface Room {
  count: number;
  bytes: number;
}

/** Takes `entry` into the list if it fits (an empty list takes any entry, however large); whether it did. */
export function take(room: Room, entry: object, chunkSize: number): boolean {
  const bytes = entryBytes(entry);
  if (room.count > 0 && (room.count >= chunkSize || room.bytes + bytes > MAX_LIST_BYTES)) return false;
  room.count++;
  room.bytes += bytes;
  return true;
}

/** A list cut in order into pieces that each fit one PolicyEndpoint (at least one piece). */
export function pieces<T extends object>(items: readonly T[], chunkSize: number): T[][] {
  const cut: T[][] = [[]];
  let room: Room = { count: 0, bytes: 0 };
  for (const item of items) {
    if (!take(room, item, chunkSize)) {
      cut.push([]);
      room = { count: 0, bytes: 0 };
      take(room, item, chunkSize);
    }
    (cut.at(-1) as T[]).push(item);
  }
  return cut;
}
