import type { ClusterEndpointInfo } from '../kube/cluster-policy-endpoint.ts';
import type { EndpointInfo, PodEndpoint } from '../kube/policy-endpoint.ts';
import { entryBytes, type Room, take } from './chunks.ts';
import type { ManagedEndpoint } from './managed-endpoints.ts';
import { chunkName } from './policy-endpoints.ts';

const LISTS = ['ingress', 'egress', 'podSelectorEndpoints'] as const;
type List = (typeof LISTS)[number];
type Entry = EndpointInfo | ClusterEndpointInfo | PodEndpoint;

/** One PolicyEndpoint being laid out: its name, what each list holds and the room it takes. */
interface Slot {
  readonly name: string;
  readonly lists: Record<List, Entry[]>;
  readonly rooms: Record<List, Room>;
}

const roomOf = (entries: readonly Entry[]): Room => ({
  count: entries.length,
  bytes: entries.reduce((sum, entry) => sum + entryBytes(entry), 0),
});

/*
 * Entries are compared as objects: decoded and computed entries alike are the one shared
 * instance of their value (see `endpointInfo` and `podEndpoint`), so equal entries are the same
 * object, and no text needs to be made of a million of them.
 */

/**
 * One policy's PolicyEndpoints laid out as AWS's controller lays them out over time: an entry
 * stays in the PolicyEndpoint that already holds it, entries no longer wanted leave, and new ones
 * fill the PolicyEndpoints with room before a new one is made. So a pod that joins or leaves a
 * policy rewrites one or two PolicyEndpoints, not every chunk after it in address order.
 *
 * `desired` are the model's PolicyEndpoints of the policy, in the form the API gives back (the
 * form `existing`, the policy's PolicyEndpoints in the API, are in). Returns the PolicyEndpoints
 * to have, with the model's metadata and fields other than the lists; any existing one not
 * among them is to be deleted.
 */
export function packPolicyEndpoints<E extends ManagedEndpoint>(
  desired: readonly E[],
  existing: readonly E[],
  chunkSize: number,
): E[] {
  const [model] = desired;
  if (!model) return [];
  const wanted = (list: List) =>
    new Set(desired.flatMap((endpoint) => (endpoint.spec[list] ?? []) as Entry[]));
  const wantedLists = {
    ingress: wanted('ingress'),
    egress: wanted('egress'),
    podSelectorEndpoints: wanted('podSelectorEndpoints'),
  };
  // Where each entry has been put: each is kept in one PolicyEndpoint only.
  const placed = {
    ingress: new Set<Entry>(),
    egress: new Set<Entry>(),
    podSelectorEndpoints: new Set<Entry>(),
  };
  // Each existing PolicyEndpoint keeps its entries that are still wanted, each in one place only.
  const slots: Slot[] = [...existing]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((endpoint) => {
      const lists = {
        ingress: keep('ingress', endpoint.spec.ingress ?? []),
        egress: keep('egress', endpoint.spec.egress ?? []),
        podSelectorEndpoints: keep('podSelectorEndpoints', endpoint.spec.podSelectorEndpoints ?? []),
      };
      return {
        name: endpoint.metadata.name,
        lists,
        rooms: {
          ingress: roomOf(lists.ingress),
          egress: roomOf(lists.egress),
          podSelectorEndpoints: roomOf(lists.podSelectorEndpoints),
        },
      };
    });
  function keep(list: List, entries: readonly Entry[]): Entry[] {
    return entries.filter((entry) => {
      if (!wantedLists[list].has(entry) || placed[list].has(entry)) return false;
      placed[list].add(entry);
      return true;
    });
  }
  const taken = new Set(slots.map((slot) => slot.name));
  const ref = model.spec.policyRef;
  const policy = { namespace: 'namespace' in ref ? ref.namespace : '', name: ref.name };
  const newSlot = (): Slot => {
    let index = 0;
    while (taken.has(chunkName(policy, index))) index++;
    const slot = {
      name: chunkName(policy, index),
      lists: { ingress: [], egress: [], podSelectorEndpoints: [] },
      rooms: { ingress: roomOf([]), egress: roomOf([]), podSelectorEndpoints: roomOf([]) },
    };
    taken.add(slot.name);
    slots.push(slot);
    return slot;
  };
  // New entries fill the PolicyEndpoints with room (see chunks.ts), in order, then new ones.
  for (const list of LISTS) {
    const fresh = [...wantedLists[list]].filter((entry) => !placed[list].has(entry));
    let next = 0;
    const fill = (slot: Slot) => {
      while (next < fresh.length && take(slot.rooms[list], fresh[next] as Entry, chunkSize))
        slot.lists[list].push(fresh[next++] as Entry);
    };
    for (const slot of [...slots]) fill(slot);
    while (next < fresh.length) fill(newSlot());
  }
  // A PolicyEndpoint left empty goes, but a policy keeps one: it still isolates the pods it selects.
  const kept = slots.filter((slot) => LISTS.some((list) => slot.lists[list].length > 0));
  return (kept.length > 0 ? kept : [slots[0] ?? newSlot()]).map((slot) => ({
    ...model,
    metadata: { ...model.metadata, name: slot.name },
    spec: { ...model.spec, ...slot.lists } as E['spec'],
  }));
}

/** The address an entry stands for, by which an entry moving between PolicyEndpoints is known. */
const addressOf = (list: List, entry: Entry) => `${list} ${'cidr' in entry ? entry.cidr : entry.podIP}`;

/**
 * The writes that bring a policy's changed PolicyEndpoints from `existing` (by name) to
 * `changed`, in two rounds. First those that gain entries; one that also drops an entry whose
 * address another one gains (an entry moving between them) keeps it until the second round.
 * Then those that only lose entries, and those kept wide in the first. So every address stays in
 * one of the policy's PolicyEndpoints while its entry moves; a list may hold more than the chunk
 * size in between.
 */
export function stagedWrites<E extends ManagedEndpoint>(
  existing: ReadonlyMap<string, E>,
  changed: readonly E[],
): { first: E[]; second: E[] } {
  const diffs = changed.map((after) => {
    const before = existing.get(after.metadata.name);
    const gained: [List, Entry][] = [];
    const dropped: [List, Entry][] = [];
    for (const list of LISTS) {
      const [had, has] = [before, after].map((one) => (one?.spec[list] ?? []) as Entry[]) as [
        Entry[],
        Entry[],
      ];
      const [hadSet, hasSet] = [new Set(had), new Set(has)];
      for (const entry of has) if (!hadSet.has(entry)) gained.push([list, entry]);
      for (const entry of had) if (!hasSet.has(entry)) dropped.push([list, entry]);
    }
    return { after, gained, dropped };
  });
  const gainedBy = new Map<string, Set<string>>();
  for (const { after, gained } of diffs)
    for (const [list, entry] of gained) {
      const address = addressOf(list, entry);
      gainedBy.set(address, (gainedBy.get(address) ?? new Set()).add(after.metadata.name));
    }
  const first: E[] = [];
  const second: E[] = [];
  for (const { after, gained, dropped } of diffs) {
    const moving = dropped.filter(([list, entry]) =>
      [...(gainedBy.get(addressOf(list, entry)) ?? [])].some((name) => name !== after.metadata.name),
    );
    if (gained.length === 0 || moving.length > 0) second.push(after);
    if (gained.length === 0) continue;
    if (moving.length === 0) {
      first.push(after);
      continue;
    }
    const wide = Object.fromEntries(
      LISTS.map((list) => [
        list,
        [...((after.spec[list] ?? []) as Entry[]), ...moving.filter(([l]) => l === list).map(([, e]) => e)],
      ]),
    );
    first.push({ ...after, spec: { ...after.spec, ...wide } as E['spec'] });
  }
  return { first, second };
}
