import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Json } from '../kube/decode.ts';
import { mergePatch } from '../kube/merge-patch.ts';
import { keyOf } from '../kube/object-meta.ts';
import { decodeObject } from '../kube/objects.ts';
import { ClusterInformers } from '../kube-api/cluster-informers.ts';
import {
  CLUSTER_NETWORK_POLICIES,
  CLUSTER_POLICY_ENDPOINTS,
  NAMESPACES,
  NETWORK_POLICIES,
  objectPath,
  PODS,
  POLICY_ENDPOINTS,
  SERVICES,
} from '../kube-api/informer.ts';
import type { LeaderElection } from '../kube-api/leader-election.ts';
import { ApiError, createObject, mergePatchObject, rawRequest } from '../kube-api/raw-request.ts';
import type { Logger } from '../log.ts';
import { Cluster, type ClusterObject } from '../policy/cluster.ts';
import { type EndpointsChange, EndpointsIndex, isClusterPolicyKey } from './endpoints-index.ts';
import { MANAGED_BY, type ManagedEndpoint, ManagedEndpoints, policyKeyOf } from './managed-endpoints.ts';
import { packPolicyEndpoints, stagedWrites } from './packing.ts';
import { DEFAULT_CHUNK_SIZE } from './policy-endpoints.ts';

/** What stands in the versions brought during a write for a deletion. */
const DELETED = '';

/** The field manager of every write. */
export const FIELD_MANAGER = 'palisade-controller';

/** Writes are answered with the object's metadata alone. */
const METADATA = { metadataOnly: true };

const pathOf = (endpoint: ManagedEndpoint) =>
  objectPath(
    endpoint.kind === 'ClusterPolicyEndpoint' ? CLUSTER_POLICY_ENDPOINTS : POLICY_ENDPOINTS,
    endpoint.metadata.namespace,
    endpoint.metadata.name,
  );

/** The PolicyEndpoint (or ClusterPolicyEndpoint) as it is written: our label added, nothing the API server sets. */
function labelled<E extends ManagedEndpoint>(endpoint: E): E {
  const owners = endpoint.metadata.ownerReferences?.map((owner) => ({ ...owner, controller: true }));
  return {
    ...endpoint,
    metadata: { ...endpoint.metadata, labels: { ...MANAGED_BY }, ownerReferences: owners },
  };
}

export interface ControllerOptions {
  readonly log: Logger;
  /** Writes in flight at once. */
  readonly concurrency?: number;
  readonly chunkSize?: number;
}

/**
 * The controller in Kubernetes mode. Informers feed Namespaces, Pods, Services and NetworkPolicies into the
 * same EndpointsIndex the lab uses, and our PolicyEndpoints that exist into `actual`. Each change
 * marks the policies it touched; while this replica leads, a worker brings each marked policy's
 * PolicyEndpoints to the desired entries, packed over the existing ones as AWS's controller packs
 * them (created, or changed by a merge patch; field manager `palisade-controller`), skipping
 * those already right, and deletes the ones no longer wanted.
 * PolicyEndpoints are owned by their NetworkPolicy, so the garbage collector removes them with it
 * even while no controller runs.
 */
export class KubeController {
  private readonly config: KubeConfig;
  private readonly log: Logger;
  private readonly concurrency: number;
  private readonly chunkSize: number;
  /** What the informers have delivered; the index is built on it once they have listed everything. */
  private readonly input = new Cluster();
  /** The desired PolicyEndpoints, there once the informers have synced. */
  private index?: EndpointsIndex;
  private readonly actual = new ManagedEndpoints();
  /** The resourceVersion of each PolicyEndpoint as our last write left it, to know its echo. */
  private readonly written = new Map<string, string>();
  /**
   * PolicyEndpoints being written, with the versions the watch brought of them meanwhile: these
   * are judged when the answer comes (one is our write, any other someone else's).
   */
  private readonly inFlight = new Map<string, string[]>();
  private readonly informers: ClusterInformers[];
  private readonly dirty = new Set<string>();
  /** Policies whose last write failed; marked again after a pause. */
  private readonly failed = new Set<string>();
  /**
   * Policies the API server holds in a form this controller cannot read: their PolicyEndpoints
   * are left as they are, never deleted, since that would open what the policy closes.
   */
  private readonly unreadable = new Set<string>();
  private readonly leader?: LeaderElection;
  private running = false;
  private retry?: NodeJS.Timeout;
  /** Writes done since start (applies and deletes). */
  writes = 0;

  constructor(config: KubeConfig, options: ControllerOptions, leader?: LeaderElection) {
    this.config = config;
    this.log = options.log;
    this.concurrency = options.concurrency ?? 16;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.leader = leader;
    this.informers = [
      new ClusterInformers(
        config,
        [NAMESPACES, PODS, SERVICES, NETWORK_POLICIES, CLUSTER_NETWORK_POLICIES],
        this.inputSink(),
        this.log,
        (change) => this.markChange(change as EndpointsChange | undefined),
      ),
      // Most changes of our PolicyEndpoints are our own writes coming back: their metadata tells
      // them, and only others' changes are fetched whole.
      new ClusterInformers(
        config,
        [POLICY_ENDPOINTS, CLUSTER_POLICY_ENDPOINTS],
        this.actualSink(),
        this.log,
        undefined,
        { metadataWatch: true },
      ),
    ];
    leader?.onChange((leading) => {
      if (leading) this.markAll();
    });
  }

  async start(): Promise<void> {
    for (const informers of this.informers) informers.start();
    await Promise.all(this.informers.map((informers) => informers.synced()));
    // One pass over the whole cluster, rather than updating the index for every object listed.
    this.index = new EndpointsIndex(this.input, this.chunkSize);
    this.log.info('informers synced', {
      policyEndpoints: this.index.all().length,
      clusterPolicyEndpoints: this.index.allCluster().length,
    });
    this.markAll();
  }

  stop(): void {
    clearTimeout(this.retry);
    for (const informers of this.informers) informers.stop();
  }

  /** The index (the input, until it is built), told which policies cannot be read. */
  private inputSink() {
    return {
      set: (object: ClusterObject) => {
        if (isPolicy(object.kind)) this.unreadable.delete(keyOf(object.metadata));
        return this.index ? this.index.set(object) : void this.input.set(object);
      },
      delete: (kind: ClusterObject['kind'], key: string) => {
        if (isPolicy(kind)) this.unreadable.delete(key);
        return this.index ? this.index.delete(kind, key) : void this.input.delete(kind, key);
      },
      invalid: (kind: ClusterObject['kind'], key: string) => {
        if (isPolicy(kind)) this.unreadable.add(key);
      },
    };
  }

  private actualSink() {
    return {
      set: (object: ClusterObject) => {
        if (object.kind !== 'PolicyEndpoint' && object.kind !== 'ClusterPolicyEndpoint') return;
        const key = keyOf(object.metadata);
        const touched = this.actual.set(object);
        if (this.inFlight.has(key)) return;
        // Our own write coming back needs no second look; an edit by someone else, or a
        // PolicyEndpoint whose policy is gone, gets reconciled.
        const echo = this.written.get(key) === object.metadata.resourceVersion;
        this.written.delete(key);
        if (!echo) for (const policy of touched) this.mark(policy);
      },
      // Our own write coming back, already recorded as sent when its answer came (or to be judged
      // when it comes): not fetched nor decoded.
      known: (raw: Json) => {
        const meta = (raw.metadata ?? {}) as { name?: string; namespace?: string; resourceVersion?: string };
        const key = keyOf({ namespace: meta.namespace ?? '', name: meta.name ?? '' });
        if (meta.resourceVersion === undefined) return false;
        if (this.written.get(key) === meta.resourceVersion) {
          this.written.delete(key);
          return true;
        }
        const brought = this.inFlight.get(key);
        if (!brought) return false;
        brought.push(meta.resourceVersion);
        return true;
      },
      delete: (_: ClusterObject['kind'], key: string) => {
        this.written.delete(key);
        // Deleted while ours was on its way: not ours, so judged as someone else's version.
        this.inFlight.get(key)?.push(DELETED);
        const policy = this.actual.delete(key);
        if (policy !== undefined) this.mark(policy);
      },
    };
  }

  private markChange(change: EndpointsChange | undefined): void {
    if (!change) return;
    for (const key of change.updated) this.mark(key);
    for (const key of change.removed) this.mark(key);
  }

  private markAll(): void {
    for (const policy of this.index?.all() ?? []) this.dirty.add(policyKeyOf(policy));
    for (const policy of this.index?.allCluster() ?? []) this.dirty.add(policyKeyOf(policy));
    for (const policy of this.actual.policies()) this.dirty.add(policy);
    this.kick();
  }

  private mark(policyKey: string): void {
    this.dirty.add(policyKey);
    this.kick();
  }

  private kick(): void {
    if (this.running || !this.index || (this.leader && !this.leader.isLeader())) return;
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      if (this.dirty.size > 0) this.kick();
    });
  }

  /**
   * Writes the marked policies' PolicyEndpoints, each policy in three rounds: those that gain
   * entries (see {@link stagedWrites}), then those that lose some, then deletions; a policy whose
   * write failed skips its later rounds. So while an entry moves from one PolicyEndpoint to
   * another, it is never missing from both. Policies do not wait for each other: at most
   * `concurrency` writes are in flight in all.
   */
  private async drain(): Promise<void> {
    while (this.dirty.size > 0 && (!this.leader || this.leader.isLeader())) {
      const batch = [...this.dirty].slice(0, this.concurrency * 4);
      for (const key of batch) this.dirty.delete(key);
      const limit = concurrencyLimit(this.concurrency);
      await Promise.all(
        batch.map(async (key) => {
          for (const round of this.writesFor(key)) {
            const done = await Promise.all(round.map((write) => limit(write)));
            if (done.includes(false)) return;
          }
        }),
      );
    }
  }

  /** The writes that bring one policy's PolicyEndpoints to the desired state, in the rounds of {@link drain}. */
  private writesFor(policyKey: string): (() => Promise<boolean>)[][] {
    if (this.unreadable.has(policyKey)) {
      this.log.warn('policy cannot be read; its PolicyEndpoints are left as they are', { policy: policyKey });
      return [];
    }
    // Nothing is written before the index knows the whole cluster.
    if (!this.index) return [];
    const existing = this.actual.of(policyKey);
    // The model's PolicyEndpoints are in the form the API gives back, so they compare as they are.
    const wantedNow: readonly ManagedEndpoint[] = isClusterPolicyKey(policyKey)
      ? this.index.clusterOf(policyKey)
      : this.index.of(policyKey);
    const desired = packPolicyEndpoints(wantedNow.map(labelled), existing, this.chunkSize);
    const byName = new Map(existing.map((endpoint) => [endpoint.metadata.name, endpoint]));
    const wanted = new Set(desired.map((endpoint) => endpoint.metadata.name));
    const guarded = (what: string, write: () => Promise<unknown>) => async () => {
      try {
        await write();
        this.writes++;
        return true;
      } catch (error) {
        this.log.warn('write failed, will retry', {
          policy: policyKey,
          what,
          reason: (error as Error).message,
        });
        this.retryLater(policyKey);
        return false;
      }
    };
    const changed = desired.filter(
      (endpoint) => !isDeepStrictEqual(byName.get(endpoint.metadata.name)?.spec, endpoint.spec),
    );
    const { first, second } = stagedWrites(byName, changed);
    const apply = (endpoint: ManagedEndpoint) =>
      guarded(`apply ${endpoint.metadata.name}`, async () => {
        const key = keyOf(endpoint.metadata);
        const before = this.actual.get(key)?.metadata.resourceVersion;
        const brought: string[] = [];
        this.inFlight.set(key, brought);
        let version: string | undefined;
        // Another version than ours came in while ours was on its way: an edit by someone else.
        const othersCame = () => brought.some((other) => other !== version);
        try {
          // A PolicyEndpoint is held in the API's own form: it is sent as it is. The answer's
          // metadata is all we read (its resourceVersion): the spec is what we sent.
          version = (await this.write(endpoint)).metadata?.resourceVersion;
        } finally {
          this.inFlight.delete(key);
          // The watch brought only its metadata: it is read whole, and the policy looked at again.
          if (othersCame()) void this.reread(endpoint, policyKey);
        }
        if (othersCame()) return;
        const seen = this.actual.get(key)?.metadata.resourceVersion;
        if (seen === before || seen === version) {
          // Known at once as sent (it is in the form the API gives back), and its echo, when
          // it comes, known as ours: a second look at the policy does not write it again.
          this.actual.set({
            ...endpoint,
            metadata: { ...endpoint.metadata, resourceVersion: version },
          });
          if (version && seen !== version && !brought.includes(version)) this.written.set(key, version);
        } else {
          // Someone else's version came in whole while ours was on its way: look again.
          this.mark(policyKey);
        }
      });
    const remove = (endpoint: ManagedEndpoint) =>
      guarded(`delete ${endpoint.metadata.name}`, async () => {
        try {
          await rawRequest(this.config, 'DELETE', pathOf(endpoint));
        } catch (error) {
          if (!(error instanceof ApiError && error.code === 404)) throw error;
        }
        const key = keyOf(endpoint.metadata);
        if (this.actual.get(key)?.metadata.resourceVersion === endpoint.metadata.resourceVersion)
          this.actual.delete(key);
      });
    return [
      first.map(apply),
      second.map(apply),
      existing.filter((endpoint) => !wanted.has(endpoint.metadata.name)).map(remove),
    ];
  }

  /**
   * Creates a PolicyEndpoint we do not know of, or changes one we hold by a merge patch from the
   * version we hold: its spec's changes, our label and its owner. One gone meanwhile is created
   * anew; one there already that we did not know (someone else's under our name, or ours not seen
   * yet) is changed from what the API server holds, as server-side apply would take it over.
   */
  private async write(endpoint: ManagedEndpoint): Promise<{ metadata?: { resourceVersion?: string } }> {
    const path = pathOf(endpoint);
    const { labels, ownerReferences } = endpoint.metadata;
    const patchFrom = (spec: unknown) =>
      mergePatchObject<{ metadata?: { resourceVersion?: string } }>(
        this.config,
        path,
        { metadata: { labels, ownerReferences }, spec: mergePatch(spec, endpoint.spec) },
        FIELD_MANAGER,
        METADATA,
      );
    const current = this.actual.get(keyOf(endpoint.metadata));
    if (current) {
      try {
        return await patchFrom(current.spec);
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 404)) throw error;
      }
    }
    try {
      return await createObject(this.config, path, endpoint, FIELD_MANAGER, METADATA);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 409)) throw error;
      return await patchFrom((await rawRequest<Json>(this.config, 'GET', path)).spec);
    }
  }

  /**
   * Reads one PolicyEndpoint whole into `actual` (the watch brought only its metadata), then looks
   * at its policy again, unless a newer version came in meanwhile.
   */
  private async reread(endpoint: ManagedEndpoint, policyKey: string): Promise<void> {
    const key = keyOf(endpoint.metadata);
    const held = this.actual.get(key)?.metadata.resourceVersion;
    let raw: Json | undefined;
    try {
      raw = await rawRequest<Json>(this.config, 'GET', pathOf(endpoint));
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) {
        this.log.warn('reading a PolicyEndpoint failed, will retry', {
          policy: policyKey,
          reason: (error as Error).message,
        });
        // Not known as it is: the retry writes it anew.
        this.actual.delete(key);
        this.retryLater(policyKey);
        return;
      }
    }
    if (this.actual.get(key)?.metadata.resourceVersion === held) {
      try {
        if (!raw) throw new Error('gone');
        const object = decodeObject({ ...raw, apiVersion: endpoint.apiVersion, kind: endpoint.kind });
        for (const policy of this.actual.set(object as ManagedEndpoint)) this.mark(policy);
      } catch {
        // Gone, or in a form this controller cannot read: it is written anew.
        this.actual.delete(key);
      }
    }
    this.mark(policyKey);
  }

  private retryLater(policyKey: string): void {
    this.failed.add(policyKey);
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      for (const key of this.failed) this.dirty.add(key);
      this.failed.clear();
      this.kick();
    }, 1000);
  }
}

/** Whether a kind is a policy whose endpoints the controller writes. */
function isPolicy(kind: ClusterObject['kind']): boolean {
  return kind === 'NetworkPolicy' || kind === 'ClusterNetworkPolicy';
}

/** Runs the functions given to it with at most `most` of them unfinished at once. */
function concurrencyLimit(most: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    while (running >= most) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await run();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
