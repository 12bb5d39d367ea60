import type { AddressOrder } from '../net/ip.ts';

export interface Slot<T> {
  readonly key: string;
  readonly order: AddressOrder;
  readonly item: T;
}

function compare(a: AddressOrder, aKey: string, b: AddressOrder, bKey: string): number {
  return (
    a.family - b.family ||
    (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) ||
    a.prefix - b.prefix ||
    (aKey < bKey ? -1 : aKey > bKey ? 1 : 0)
  );
}

/**
 * Items kept sorted by address (then by key), so that a single item can be added or removed
 * without sorting everything again. Keys are unique.
 */
export class SortedByAddress<T> {
  private readonly slots: Slot<T>[] = [];

  /** Fills an empty list at once: one sort instead of one insertion per item. */
  load(slots: Slot<T>[]): void {
    if (this.slots.length > 0) throw new Error('load needs an empty list');
    this.slots.push(...slots.sort((a, b) => compare(a.order, a.key, b.order, b.key)));
  }

  /** Adds an item, or replaces the item of the same key and order. */
  set(key: string, order: AddressOrder, item: T): void {
    const index = this.search(key, order);
    const slot = this.slots[index];
    if (slot && slot.key === key && compare(slot.order, key, order, key) === 0)
      this.slots[index] = { key, order, item };
    else this.slots.splice(index, 0, { key, order, item });
  }

  /** Removes the item of `key` at `order`; returns whether there was one. */
  delete(key: string, order: AddressOrder): boolean {
    const index = this.search(key, order);
    const slot = this.slots[index];
    if (!slot || slot.key !== key) return false;
    this.slots.splice(index, 1);
    return true;
  }

  /** The items in order, merged with `others` (already sorted, given with their orders). */
  mergedWith(others: readonly { readonly order: AddressOrder; readonly item: T }[]): T[] {
    const result: T[] = [];
    let j = 0;
    for (const slot of this.slots) {
      while (j < others.length && compare((others[j] as Slot<T>).order, '', slot.order, slot.key) <= 0) {
        result.push((others[j] as Slot<T>).item);
        j++;
      }
      result.push(slot.item);
    }
    for (; j < others.length; j++) result.push((others[j] as Slot<T>).item);
    return result;
  }

  /** The first index whose slot is not before (order, key). */
  private search(key: string, order: AddressOrder): number {
    let low = 0;
    let high = this.slots.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const slot = this.slots[middle] as Slot<T>;
      if (compare(slot.order, slot.key, order, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
