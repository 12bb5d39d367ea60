import type { KubeConfig } from '@kubernetes/client-node';
import type { Json } from '../kube/decode.ts';
import { keyOf } from '../kube/object-meta.ts';
import { decodeObject, nameOfRaw } from '../kube/objects.ts';
import type { ClusterObject } from '../policy/cluster.ts';
import { ApiError, METADATA_ONLY, rawRequest } from './raw-request.ts';
import { type WatchError, watchStream } from './watch-stream.ts';

/** A kind an informer lists and watches, with an optional field selector. */
export interface WatchedKind {
  readonly apiVersion: string;
  readonly kind: ClusterObject['kind'];
  /** The cluster-wide collection path, e.g. `/api/v1/pods`. */
  readonly path: string;
  readonly fieldSelector?: string;
  /** The kind lives outside namespaces. */
  readonly clusterScoped?: true;
}

export const NAMESPACES: WatchedKind = { apiVersion: 'v1', kind: 'Namespace', path: '/api/v1/namespaces' };
export const PODS: WatchedKind = { apiVersion: 'v1', kind: 'Pod', path: '/api/v1/pods' };
export const NETWORK_POLICIES: WatchedKind = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  path: '/apis/networking.k8s.io/v1/networkpolicies',
};
export const SERVICES: WatchedKind = { apiVersion: 'v1', kind: 'Service', path: '/api/v1/services' };
export const POLICY_ENDPOINTS: WatchedKind = {
  apiVersion: 'networking.k8s.aws/v1alpha1',
  kind: 'PolicyEndpoint',
  path: '/apis/networking.k8s.aws/v1alpha1/policyendpoints',
};

export const CLUSTER_NETWORK_POLICIES: WatchedKind = {
  apiVersion: 'networking.k8s.aws/v1alpha1',
  kind: 'ClusterNetworkPolicy',
  path: '/apis/networking.k8s.aws/v1alpha1/clusternetworkpolicies',
  clusterScoped: true,
};
export const CLUSTER_POLICY_ENDPOINTS: WatchedKind = {
  apiVersion: 'networking.k8s.aws/v1alpha1',
  kind: 'ClusterPolicyEndpoint',
  path: '/apis/networking.k8s.aws/v1alpha1/clusterpolicyendpoints',
  clusterScoped: true,
};

/** The path of one object of a kind: `/api/v1/namespaces/NS/pods/NAME`, `/api/v1/namespaces/NAME`. */
export function objectPath(kind: WatchedKind, namespace: string, name: string): string {
  const cut = kind.path.lastIndexOf('/');
  const [base, plural] = [kind.path.slice(0, cut), kind.path.slice(cut + 1)];
  const scope =
    kind.kind === 'Namespace' || kind.clusterScoped ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${scope}/${plural}/${encodeURIComponent(name)}`;
}

export interface InformerHandlers {
  /** An object was added or changed. */
  set(object: ClusterObject): void;
  /** An object is gone (deleted, or missing from a fresh list after the watch expired). */
  delete(kind: ClusterObject['kind'], key: string): void;
  /** An object the API server holds that Palisade cannot read (its last readable version stays); `raw` is what was received. */
  invalid(kind: ClusterObject['kind'], key: string, message: string, raw: Json): void;
  /** The watch failed; the informer retries by itself. */
  error(message: string): void;
  /** Whether the receiver already holds this version as it is (its own write coming back), so that it need not be decoded. */
  known?(raw: Json): boolean;
}

export interface InformerOptions {
  /**
   * Watch objects' metadata only, and fetch a changed object whole only when `known` does not
   * hold it already: for a receiver whose own writes are most of the changes (the controller and
   * its PolicyEndpoints), which then costs neither side a large object per echo.
   */
  readonly metadataWatch?: boolean;
}

const MAX_RETRY_MS = 5000;
/** Whole objects a metadata watch fetches at once at most; past that it lists again instead. */
const MAX_FETCHES = 64;
/**
 * How often at most a kind the cluster does not serve (its CRD not installed: no cluster tiers on
 * a cluster without them) is looked for again: it holds nothing meanwhile, and is picked up once
 * it is served.
 */
const MAX_UNSERVED_RETRY_MS = 30_000;

type RawObject = Json & { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };

/** A list as the API server answers it. */
type RawList = { items: RawObject[]; metadata: { resourceVersion?: string } };

const keyOfRaw = (raw: RawObject) =>
  keyOf({ namespace: raw.metadata?.namespace ?? '', name: raw.metadata?.name ?? '' });

/**
 * Lists then watches one kind, and keeps calling `handlers` as it changes. When the watch's
 * resourceVersion expires (410 Gone) it lists again and reports what vanished meanwhile as
 * deleted; when the API server is unreachable it retries with backoff from where it stopped, so
 * nothing is lost or reported twice. Of each object it keeps only its resourceVersion: the
 * handlers hold what they need of it (a cache of whole objects held every PolicyEndpoint twice).
 */
export class Informer {
  readonly kind: WatchedKind;
  private readonly config: KubeConfig;
  private readonly handlers: InformerHandlers;
  private readonly metadataWatch: boolean;
  /** The last event of each object whose whole version is being fetched: a later event makes the fetch stale. */
  private readonly fetching = new Map<string, number>();
  private events = 0;
  /** The resourceVersion of each object handed out, by key: what a new list is compared with. */
  private readonly versions = new Map<string, string | undefined>();
  /** Where the watch goes on from; empty: list first. */
  private resourceVersion = '';
  private request?: { abort(): void };
  private retryMs = 100;
  private retry?: NodeJS.Timeout;
  private stopped = true;
  /** Counts starts and stops: what a run started before the last of them brings is dropped. */
  private generation = 0;
  private synced = false;
  /** Whether the last list found the kind served (a 404: its CRD is not installed). */
  private served = true;
  private readonly waiting: (() => void)[] = [];

  constructor(
    config: KubeConfig,
    kind: WatchedKind,
    handlers: InformerHandlers,
    options: InformerOptions = {},
  ) {
    this.kind = kind;
    this.config = config;
    this.handlers = handlers;
    this.metadataWatch = options.metadataWatch ?? false;
  }

  start(): void {
    this.stopped = false;
    // The watch went on past changes whose whole objects were still being fetched: a new list brings them.
    if (this.fetching.size > 0) this.resourceVersion = '';
    this.fetching.clear();
    const generation = ++this.generation;
    this.run(generation).catch((error) => this.failed(error, generation));
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retry);
    this.request?.abort();
    this.request = undefined;
  }

  /** Resolves once the first list has been handed to the handlers. */
  hasSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }

  private current(generation: number): boolean {
    return !this.stopped && generation === this.generation;
  }

  /** Lists when there is no resourceVersion to go on from, then watches from it. */
  private async run(generation: number): Promise<void> {
    if (!this.resourceVersion) {
      const list = await this.list();
      if (!this.current(generation)) return;
      this.replaceAll(list.items);
      this.resourceVersion = list.metadata.resourceVersion ?? '';
      this.markSynced();
      if (!this.served) throw new Error('not served');
    }
    const query = { resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true' };
    const request = await watchStream(
      this.config,
      this.kind.path,
      this.kind.fieldSelector ? { ...query, fieldSelector: this.kind.fieldSelector } : query,
      this.metadataWatch ? METADATA_ONLY : 'application/json',
      (phase, raw) => this.event(phase, raw, generation),
      (error) => this.ended(error, generation),
    );
    if (this.current(generation)) this.request = request;
    else request.abort();
  }

  private async list(): Promise<RawList> {
    const query = this.kind.fieldSelector
      ? `?fieldSelector=${encodeURIComponent(this.kind.fieldSelector)}`
      : '';
    try {
      const result = await rawRequest<RawList>(this.config, 'GET', `${this.kind.path}${query}`);
      this.served = true;
      return result;
    } catch (error) {
      // A kind the cluster does not serve (its CRD not installed yet) holds nothing; it is looked
      // for again, less and less often, until it is served.
      if (!(error instanceof ApiError && error.code === 404)) throw error;
      this.served = false;
      return { items: [], metadata: {} };
    }
  }

  /** A new list: what is no longer there is deleted, what changed is handed out. */
  private replaceAll(items: readonly RawObject[]): void {
    const listed = new Set(items.map(keyOfRaw));
    for (const key of [...this.versions.keys()]) if (!listed.has(key)) this.removed(key);
    for (const item of items) this.received(item);
  }

  private event(phase: string, raw: RawObject, generation: number): void {
    if (!this.current(generation)) return;
    if (phase === 'ERROR') {
      const status = raw as { code?: number; message?: string };
      // 410 Gone: the resourceVersion is too old; the watch ends, and a new list follows.
      if (status.code === 410) this.resourceVersion = '';
      // Any other: the watch is given up, and made again after a pause.
      else
        this.giveUp(new Error(`${status.code ?? ''} ${status.message ?? 'watch error'}`.trim()), generation);
      return;
    }
    this.retryMs = 100;
    if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') this.fetching.delete(keyOfRaw(raw));
    if ((phase === 'ADDED' || phase === 'MODIFIED') && this.metadataWatch)
      this.receivedMetadata(raw, generation);
    else if (phase === 'ADDED' || phase === 'MODIFIED') this.received(raw);
    else if (phase === 'DELETED') this.removed(keyOfRaw(raw));
    // A BOOKMARK carries only the resourceVersion to go on from. (Unless the event made the
    // informer list again.)
    if (this.current(generation))
      this.resourceVersion = raw.metadata?.resourceVersion ?? this.resourceVersion;
  }

  /**
   * A changed object's metadata (a metadata watch): its own version known to the receiver is
   * taken as it is; any other is fetched whole, unless a later event for it comes first.
   */
  private receivedMetadata(raw: RawObject, generation: number): void {
    const key = keyOfRaw(raw);
    const version = raw.metadata?.resourceVersion;
    if (version !== undefined && this.versions.get(key) === version) return;
    if (this.handlers.known?.(raw)) {
      this.versions.set(key, version);
      return;
    }
    const event = ++this.events;
    this.fetching.set(key, event);
    // Many changes not its own (a bulk edit): one list costs less than a fetch for each.
    if (this.fetching.size > MAX_FETCHES) {
      this.relist(generation);
      return;
    }
    const path = objectPath(this.kind, raw.metadata?.namespace ?? '', raw.metadata?.name ?? '');
    rawRequest<RawObject>(this.config, 'GET', path)
      .then(
        (whole) => {
          if (!this.current(generation) || this.fetching.get(key) !== event) return;
          this.fetching.delete(key);
          this.received(whole);
        },
        (error) => {
          if (!this.current(generation) || this.fetching.get(key) !== event) return;
          // Deleted since: its DELETED event is on its way, or was missed while the watch was down.
          if (error instanceof ApiError && error.code === 404) {
            this.fetching.delete(key);
            return this.removed(key);
          }
          // Anything else: after a pause, a new list (the fetch is still pending) brings it.
          this.giveUp(error, generation);
        },
      )
      .catch((error) => this.giveUp(error, generation));
  }

  /** Ends the watch now and lists again at once. */
  private relist(generation: number): void {
    if (!this.current(generation)) return;
    this.request?.abort();
    this.request = undefined;
    this.resourceVersion = '';
    this.start();
  }

  /** Ends the watch now; it is made again after a pause, as after a failure. */
  private giveUp(error: unknown, generation: number): void {
    if (!this.current(generation)) return;
    this.request?.abort();
    this.request = undefined;
    this.failed(error, generation);
  }

  /** The watch ended: the server closed it, it timed out or expired (then a new list), or it failed. */
  private ended(error: WatchError | null, generation: number): void {
    if (!this.current(generation)) return;
    this.request = undefined;
    const expired = error?.statusCode === 410;
    if (error && !expired && error.name !== 'TimeoutError') {
      this.failed(error, generation);
      return;
    }
    if (expired) this.resourceVersion = '';
    this.start();
  }

  private markSynced(): void {
    if (this.served) this.retryMs = 100;
    if (this.synced) return;
    this.synced = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** An object handed out is gone: deleted, or missing from a new list. */
  private removed(key: string): void {
    if (this.versions.delete(key)) this.handlers.delete(this.kind.kind, key);
  }

  private received(raw: RawObject): void {
    const key = keyOfRaw(raw);
    const version = raw.metadata?.resourceVersion;
    // The same version again (a new list after the watch expired): nothing changed.
    if (version !== undefined && this.versions.get(key) === version) return;
    this.versions.set(key, version);
    if (this.handlers.known?.(raw)) return;
    const withKind = { ...raw, apiVersion: this.kind.apiVersion, kind: this.kind.kind };
    try {
      this.handlers.set(decodeObject(withKind));
    } catch (error) {
      this.handlers.invalid(this.kind.kind, key, `${nameOfRaw(withKind)}: ${(error as Error).message}`, raw);
    }
  }

  private failed(error: unknown, generation: number): void {
    if (!this.current(generation)) return;
    const message = error instanceof Error ? error.message : JSON.stringify(error);
    const why = this.served ? message : 'not served by the cluster (is its CRD installed?)';
    this.handlers.error(`watching ${this.kind.path}: ${why}; retrying in ${this.retryMs} ms`);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, this.served ? MAX_RETRY_MS : MAX_UNSERVED_RETRY_MS);
  }
}
