import { keyOf } from '../server/kube/object-meta.ts';
import { decodeObject, encodeObject } from '../server/kube/objects.ts';
import type { PolicyEndpoint, PolicyEndpointSpec } from '../server/kube/policy-endpoint.ts';
import type { ClusterSink } from '../server/kube-api/cluster-informers.ts';
import type { ClusterObject } from '../server/policy/cluster.ts';

const LISTS = ['ingress', 'egress', 'podSelectorEndpoints'] as const;

/** What a PolicyEndpoint says, as keys: its selector and isolation, and each entry of each list. */
function keysOf(spec: PolicyEndpointSpec): string[] {
  return [
    `meta ${JSON.stringify([spec.podSelector, spec.podIsolation])}`,
    ...LISTS.flatMap((list) => (spec[list] ?? []).map((entry) => `${list} ${JSON.stringify(entry)}`)),
  ];
}

/** One policy's entries as the watch has them, and how many differ from those wanted. */
interface PolicyEntries {
  readonly have: Map<string, number>;
  want?: Set<string>;
  mismatches: number;
}

/**
 * A sink for a PolicyEndpoint watch that tells when each policy's PolicyEndpoints hold what the
 * model wants, however the controller spreads the entries over them. It keeps, per policy, how
 * many entries differ from the wanted ones, updated by each event in the time of that event's
 * own entries, so that the measuring costs little next to what it measures.
 */
export class EntriesWatch implements ClusterSink {
  private readonly endpoints = new Map<string, { policy: string; keys: string[] }>();
  private readonly policies = new Map<string, PolicyEntries>();
  private pending = new Set<string>();
  private settled = () => {};
  /** PolicyEndpoint events seen: writes and deletions. */
  events = 0;

  /** PolicyEndpoints that exist now. */
  get size(): number {
    return this.endpoints.size;
  }

  set(object: ClusterObject): void {
    if (object.kind !== 'PolicyEndpoint') return;
    const key = keyOf(object.metadata);
    this.remove(key);
    const policy = keyOf(object.spec.policyRef);
    const keys = keysOf(object.spec);
    this.endpoints.set(key, { policy, keys });
    const entries = this.entriesOf(policy);
    for (const entry of keys) {
      const count = entries.have.get(entry) ?? 0;
      entries.have.set(entry, count + 1);
      if (count === 0 && entries.want) entries.mismatches += entries.want.has(entry) ? -1 : 1;
    }
    this.event(policy);
  }

  delete(_: ClusterObject['kind'], key: string): void {
    const policy = this.remove(key);
    if (policy !== undefined) this.event(policy);
  }

  /** Resolves once every policy of `endpoints` (the model's) has what they hold, as the API reads it back. */
  until(endpoints: readonly PolicyEndpoint[]): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const endpoint of endpoints) {
      const policy = keyOf(endpoint.spec.policyRef);
      const spec = (decodeObject(encodeObject(endpoint)) as PolicyEndpoint).spec;
      const set = wanted.get(policy) ?? new Set<string>();
      for (const entry of keysOf(spec)) set.add(entry);
      wanted.set(policy, set);
    }
    return new Promise((resolve) => {
      this.pending = new Set();
      this.settled = resolve;
      for (const [policy, want] of wanted) {
        const entries = this.entriesOf(policy);
        entries.want = want;
        entries.mismatches =
          [...want].filter((entry) => !entries.have.has(entry)).length +
          [...entries.have.keys()].filter((entry) => !want.has(entry)).length;
        if (entries.mismatches > 0) this.pending.add(policy);
      }
      if (this.pending.size === 0) resolve();
    });
  }

  private entriesOf(policy: string): PolicyEntries {
    const entries = this.policies.get(policy) ?? { have: new Map(), mismatches: 0 };
    this.policies.set(policy, entries);
    return entries;
  }

  /** Takes a PolicyEndpoint's entries out of its policy's; returns the policy. */
  private remove(key: string): string | undefined {
    const endpoint = this.endpoints.get(key);
    if (!endpoint) return undefined;
    this.endpoints.delete(key);
    const entries = this.entriesOf(endpoint.policy);
    for (const entry of endpoint.keys) {
      const count = entries.have.get(entry) ?? 0;
      if (count === 0) continue;
      if (count > 1) {
        entries.have.set(entry, count - 1);
        continue;
      }
      entries.have.delete(entry);
      if (entries.want) entries.mismatches += entries.want.has(entry) ? 1 : -1;
    }
    return endpoint.policy;
  }

  private event(policy: string): void {
    this.events++;
    if (!this.pending.has(policy) || this.policies.get(policy)?.mismatches !== 0) return;
    this.pending.delete(policy);
    if (this.pending.size === 0) this.settled();
  }
}
