import type { KubeConfig } from '@kubernetes/client-node';
import type { Json } from '../kube/decode.ts';
import type { Logger } from '../log.ts';
import type { ClusterObject } from '../policy/cluster.ts';
import { Informer, type InformerOptions, type WatchedKind } from './informer.ts';

/** Where informers deliver changes: a Cluster, or the controller's EndpointsIndex. */
export interface ClusterSink {
  set(object: ClusterObject): unknown;
  delete(kind: ClusterObject['kind'], key: string): unknown;
  /** An object that cannot be read (`message` says why, `raw` is what was received): its last readable version, if any, stays. */
  invalid?(kind: ClusterObject['kind'], key: string, message: string, raw: Json): void;
  /** Whether the sink already holds this version of an object as it is, so that it is neither decoded nor delivered. */
  known?(raw: Json): boolean;
}

/** One informer per kind, all delivering to one sink; `onChange` gets what the sink returned for each change. */
export class ClusterInformers {
  private readonly informers: Informer[];

  constructor(
    config: KubeConfig,
    kinds: readonly WatchedKind[],
    sink: ClusterSink,
    log: Logger,
    onChange: (result: unknown) => void = () => {},
    options: InformerOptions = {},
  ) {
    this.informers = kinds.map(
      (kind) =>
        new Informer(
          config,
          kind,
          {
            set: (object) => onChange(sink.set(object)),
            delete: (kind, key) => onChange(sink.delete(kind, key)),
            invalid: (kind, key, message, raw) => {
              log.warn('object skipped', { reason: message });
              sink.invalid?.(kind, key, message, raw);
            },
            error: (message) => log.warn('watch interrupted', { reason: message }),
            known: sink.known && ((raw) => sink.known?.(raw) ?? false),
          },
          options,
        ),
    );
  }

  start(): void {
    for (const informer of this.informers) informer.start();
  }

  stop(): void {
    for (const informer of this.informers) informer.stop();
  }

  /** Resolves once every kind has been listed once. */
  async synced(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.hasSynced()));
  }
}
