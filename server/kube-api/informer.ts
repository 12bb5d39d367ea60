import { ADD, DELETE, ERROR, type KubeConfig, ListWatch, UPDATE, Watch } from '@kubernetes/client-node';
import type { Json } from '../kube/decode.ts';
import { keyOf } from '../kube/object-meta.ts';
import { decodeObject, nameOfRaw } from '../kube/objects.ts';
import type { ClusterObject } from '../policy/cluster.ts';
import { ApiError, rawRequest } from './raw-request.ts';

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

const MAX_RETRY_MS = 5000;
/**
 * How often at most a kind the cluster does not serve (its CRD not installed: no cluster tiers on
 * a cluster without them) is looked for again: it holds nothing meanwhile, and is picked up once
 * it is served.
 */
const MAX_UNSERVED_RETRY_MS = 30_000;

/**
 * Lists then watches one kind, and keeps calling `handlers` as it changes. When the watch's
 * resourceVersion expires (410 Gone) it lists again and reports what vanished meanwhile as
 * deleted; when the API server is unreachable it retries with backoff from where it stopped, so
 * nothing is lost or reported twice.
 */
export class Informer {
  readonly kind: WatchedKind;
  private readonly listWatch: ListWatch<Json & { metadata?: { name?: string; namespace?: string } }>;
  private readonly handlers: InformerHandlers;
  private retryMs = 100;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private synced = false;
  /** Whether the last list found the kind served (a 404: its CRD is not installed). */
  private served = true;
  private readonly waiting: (() => void)[] = [];

  constructor(config: KubeConfig, kind: WatchedKind, handlers: InformerHandlers) {
    this.kind = kind;
    this.handlers = handlers;
    const query = kind.fieldSelector ? `?fieldSelector=${encodeURIComponent(kind.fieldSelector)}` : '';
    const list = async () => {
      type List = { items: never[]; metadata: { resourceVersion?: string } };
      const result = await rawRequest<List>(config, 'GET', `${kind.path}${query}`).then(
        (served) => {
          this.served = true;
          return served;
        },
        (error) => {
          // A kind the cluster does not serve (its CRD not installed yet) holds nothing; the
          // watch then fails and is retried, less and less often, until it is served.
          if (!(error instanceof ApiError && error.code === 404)) throw error;
          this.served = false;
          return { items: [], metadata: {} } as List;
        },
      );
      // The first list counts as synced once its items are handed out, right after this resolves.
      setImmediate(() => this.markSynced());
      return result;
    };
    this.listWatch = new ListWatch(kind.path, new Watch(config), list, false, undefined, kind.fieldSelector);
    this.listWatch.on(ADD, (raw) => this.received(raw));
    this.listWatch.on(UPDATE, (raw) => this.received(raw));
    this.listWatch.on(DELETE, (raw) => {
      if (this.stoppedLate()) return;
      const meta = raw.metadata ?? {};
      this.handlers.delete(kind.kind, keyOf({ namespace: meta.namespace ?? '', name: meta.name ?? '' }));
    });
    this.listWatch.on(ERROR, (error) => this.failed(error));
  }

  start(): void {
    this.stopped = false;
    this.listWatch
      .start()
      .then(() => this.stoppedLate())
      .catch((error) => this.failed(error));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    void this.listWatch.stop();
  }

  /** Resolves once the first list has been handed to the handlers. */
  hasSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }

  private markSynced(): void {
    if (this.served) this.retryMs = 100;
    if (this.synced) return;
    this.synced = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /**
   * Whether the informer was stopped; if so, stops the watch again. client-node's ListWatch
   * cannot stop a watch whose request is still being made (right after a list), which then runs
   * on unseen: a second stop, once it is there, ends it, and nothing it brings is delivered.
   */
  private stoppedLate(): boolean {
    if (this.stopped) void this.listWatch.stop();
    return this.stopped;
  }

  private received(raw: Json): void {
    if (this.stoppedLate()) return;
    this.retryMs = 100;
    if (this.handlers.known?.(raw)) return;
    const withKind = { ...raw, apiVersion: this.kind.apiVersion, kind: this.kind.kind };
    try {
      this.handlers.set(decodeObject(withKind));
    } catch (error) {
      const meta = (raw.metadata ?? {}) as { name?: string; namespace?: string };
      const key = keyOf({ namespace: meta.namespace ?? '', name: meta.name ?? '' });
      this.handlers.invalid(this.kind.kind, key, `${nameOfRaw(withKind)}: ${(error as Error).message}`, raw);
    }
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    const message = error instanceof Error ? error.message : JSON.stringify(error);
    const why = this.served ? message : 'not served by the cluster (is its CRD installed?)';
    this.handlers.error(`watching ${this.kind.path}: ${why}; retrying in ${this.retryMs} ms`);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, this.served ? MAX_RETRY_MS : MAX_UNSERVED_RETRY_MS);
  }
}
