/** IPv4 and IPv6 addresses and CIDR blocks, parsed strictly (no leading zeros, no zones). */

export type Family = 4 | 6;

export interface Ip {
  readonly family: Family;
  /** The address as an unsigned integer of 32 or 128 bits. */
  readonly value: bigint;
}

export interface Cidr {
  readonly family: Family;
  /** The network address: host bits cleared. */
  readonly network: bigint;
  readonly prefix: number;
}

const bitsOf = (family: Family): number => (family === 4 ? 32 : 128);

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string): bigint[] | undefined => {
    if (half === '') return [];
    const groups: bigint[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (v4 === undefined) return undefined;
        groups.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        groups.push(BigInt(`0x${part}`));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return groups.reduce((value, group) => (value << 16n) | group, 0n);
}

/** Parses an address, or returns undefined when `text` is not one. */
export function parseIp(text: string): Ip | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Parses `addr/prefix`, or returns undefined. Host bits may be set (the API accepts them); they are cleared. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bitsOf(ip.family)) return undefined;
  return { family: ip.family, network: ip.value & maskOf(ip.family, prefix), prefix };
}

/** Every prefix's mask of each family, made once: masks are in every containment test. */
const MASKS: Record<Family, readonly bigint[]> = { 4: masksOf(32), 6: masksOf(128) };

function masksOf(bits: number): bigint[] {
  const all = (1n << BigInt(bits)) - 1n;
  return Array.from({ length: bits + 1 }, (_, prefix) => all ^ ((1n << BigInt(bits - prefix)) - 1n));
}

function maskOf(family: Family, prefix: number): bigint {
  return MASKS[family][prefix] as bigint;
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return cidr.family === ip.family && (ip.value & maskOf(cidr.family, cidr.prefix)) === cidr.network;
}

/** Whether `inner` lies within `outer` (equal counts). */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return (
    inner.family === outer.family &&
    inner.prefix >= outer.prefix &&
    (inner.network & maskOf(outer.family, outer.prefix)) === outer.network
  );
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  }
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) =>
    Number((ip.value >> shift) & 0xffffn),
  );
  // The longest run of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((group) => group.toString(16));
  if (bestStart < 0) return hex(0, 8).join(':');
  return `${hex(0, bestStart).join(':')}::${hex(bestStart + bestLength, 8).join(':')}`;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}

/** Where an address or CIDR sorts: by family, then address, then prefix length. */
export interface AddressOrder {
  readonly family: number;
  readonly value: bigint;
  readonly prefix: number;
}

/** The order of an address or CIDR given as text; unparsable text sorts first. */
export function addressOrder(text: string): AddressOrder {
  const cidr = parseCidr(text);
  if (cidr) return { family: cidr.family, value: cidr.network, prefix: cidr.prefix };
  const ip = parseIp(text);
  return ip ? ipOrder(ip) : { family: 0, value: 0n, prefix: 0 };
}

export function ipOrder(ip: Ip): AddressOrder {
  return { family: ip.family, value: ip.value, prefix: ip.family === 4 ? 32 : 128 };
}

/** Sorts items by the address order `orderOf` gives each (computed once per item). */
export function sortByAddress<T>(items: readonly T[], orderOf: (item: T) => AddressOrder): T[] {
  const keyed = items.map((item) => ({ item, order: orderOf(item) }));
  keyed.sort(
    ({ order: a }, { order: b }) =>
      a.family - b.family || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) || a.prefix - b.prefix,
  );
  return keyed.map((entry) => entry.item);
}
