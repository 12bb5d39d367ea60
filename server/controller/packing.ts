import type {
  EndpointInfo,
  PodEndpoint,
  PolicyEndpoint,
  PolicyEndpointSpec,
} from '../kube/policy-endpoint.ts';
import { chunkName } from './policy-endpoints.ts';

const LISTS = ['ingress', 'egress', 'podSelectorEndpoints'] as const;
type List = (typeof LISTS)[number];
type Entry = EndpointInfo | PodEndpoint;

/** One PolicyEndpoint being laid out: its name and what each list holds. */
interface Slot {
  readonly name: string;
  readonly lists: Record<List, Entry[]>;
}

/** Entries are compared by their JSON, worked out once per entry object (they are kept between looks). */
const keys = new WeakMap<Entry, string>();
function keyOfEntry(entry: Entry): string {
  let key = keys.get(entry);
  if (key === undefined) {
    key = JSON.stringify(entry);
    keys.set(entry, key);
  }
  return key;
}

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
export function packPolicyEndpoints(
  desired: readonly PolicyEndpoint[],
  existing: readonly PolicyEndpoint[],
  chunkSize: number,
): PolicyEndpoint[] {
  const [model] = desired;
  if (!model) return [];
  const placed = new Set<string>();
  const wanted = (list: List) =>
    new Map(
      desired
        .flatMap((endpoint) => (endpoint.spec[list] ?? []) as Entry[])
        .map((entry) => [keyOfEntry(entry), entry]),
    );
  const wantedLists = {
    ingress: wanted('ingress'),
    egress: wanted('egress'),
    podSelectorEndpoints: wanted('podSelectorEndpoints'),
  };
  // Each existing PolicyEndpoint keeps its entries that are still wanted, each in one place only.
  const slots: Slot[] = [...existing]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((endpoint) => ({
      name: endpoint.metadata.name,
      lists: {
        ingress: keep('ingress', endpoint.spec.ingress ?? []),
        egress: keep('egress', endpoint.spec.egress ?? []),
        podSelectorEndpoints: keep('podSelectorEndpoints', endpoint.spec.podSelectorEndpoints ?? []),
      },
    }));
  function keep(list: List, entries: readonly Entry[]): Entry[] {
    return entries.filter((entry) => {
      const key = keyOfEntry(entry);
      if (!wantedLists[list].has(key) || placed.has(`${list} ${key}`)) return false;
      placed.add(`${list} ${key}`);
      return true;
    });
  }
  const taken = new Set(slots.map((slot) => slot.name));
  const newSlot = (): Slot => {
    let index = 0;
    while (taken.has(chunkName(model.spec.policyRef, index))) index++;
    const slot = {
      name: chunkName(model.spec.policyRef, index),
      lists: { ingress: [], egress: [], podSelectorEndpoints: [] },
    };
    taken.add(slot.name);
    slots.push(slot);
    return slot;
  };
  for (const list of LISTS) {
    const fresh = [...wantedLists[list]]
      .filter(([key]) => !placed.has(`${list} ${key}`))
      .map(([, entry]) => entry);
    for (const slot of slots)
      slot.lists[list].push(...fresh.splice(0, Math.max(0, chunkSize - slot.lists[list].length)));
    while (fresh.length > 0) newSlot().lists[list].push(...fresh.splice(0, chunkSize));
  }
  // A PolicyEndpoint left empty goes, but a policy keeps one: it still isolates the pods it selects.
  const kept = slots.filter((slot) => LISTS.some((list) => slot.lists[list].length > 0));
  return (kept.length > 0 ? kept : [slots[0] ?? newSlot()]).map((slot) => ({
    ...model,
    metadata: { ...model.metadata, name: slot.name },
    spec: { ...model.spec, ...slot.lists } as PolicyEndpointSpec,
  }));
}

/** Whether `after` holds an entry that `before` (the same PolicyEndpoint as it is now) does not. */
export function addsEntries(before: PolicyEndpoint | undefined, after: PolicyEndpoint): boolean {
  if (!before) return true;
  return LISTS.some((list) => {
    const had = new Set(((before.spec[list] ?? []) as Entry[]).map(keyOfEntry));
    return ((after.spec[list] ?? []) as Entry[]).some((entry) => !had.has(keyOfEntry(entry)));
  });
}
