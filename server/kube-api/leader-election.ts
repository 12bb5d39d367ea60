import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.ts';

export interface LeaseOptions {
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity, written as the Lease's holder. */
  readonly identity: string;
  /** How long a holder's claim lasts without renewal. */
  readonly leaseSeconds?: number;
  /** How often to try to acquire or renew. */
  readonly retryMs?: number;
}

/** RFC 3339 with microseconds, the API's MicroTime. */
const microTime = (date: Date) => date.toISOString().replace('Z', '000Z');

/**
 * Leader election through a coordination.k8s.io Lease, as client-go does it: a replica takes the
 * Lease when it is free or its holder has not renewed it for `leaseSeconds` (measured on this
 * replica's clock from when it last saw the Lease change, so clock skew does not matter), and
 * renews it every `retryMs`. Writes use the Lease's resourceVersion, so two replicas cannot both
 * take it. A leader that fails to renew before its claim runs out steps down by itself.
 */
export class LeaderElection {
  private readonly api: CoordinationV1Api;
  private readonly options: Required<LeaseOptions>;
  private readonly log: Logger;
  private leaderUntil = 0;
  private observed?: { holder?: string; renewTime?: string; at: number };
  private timer?: NodeJS.Timeout;
  private readonly listeners: ((leading: boolean) => void)[] = [];
  private wasLeading = false;
  /** A caller found the claim run out while this replica still counted as leading. */
  private lapseSeen = false;
  /**
   * The Lease's resourceVersion after this process's last write: the Lease under this identity at
   * another version was written by another process given the same identity (a mistake, or this
   * replica before a restart), and is waited out as any other holder's.
   */
  private written?: string;
  private twinSeen = false;

  constructor(config: KubeConfig, options: LeaseOptions, log: Logger) {
    this.api = config.makeApiClient(CoordinationV1Api);
    this.options = { leaseSeconds: 15, retryMs: 2000, ...options };
    this.log = log;
  }

  /** Whether this replica holds the Lease now. */
  isLeader(): boolean {
    const leading = Date.now() < this.leaderUntil;
    if (!leading && this.wasLeading) this.lapseSeen = true;
    return leading;
  }

  /**
   * Calls `listener` whenever leadership is gained or lost. A claim that ran out while the event
   * loop was busy, and was renewed before the next check, counts as lost and gained again if
   * anyone asked meanwhile: what was refused for want of leadership then gets its turn.
   */
  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    const tick = async () => {
      try {
        await this.tryAcquireOrRenew();
      } catch (error) {
        this.log.warn('lease update failed', { lease: this.options.name, reason: (error as Error).message });
      }
      this.notify();
      if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.retryMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops, and gives the Lease up if held so that another replica takes over at once. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.isLeader()) return;
    this.leaderUntil = 0;
    this.notify();
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity === this.options.identity) {
        await this.api.replaceNamespacedLease({
          name: this.options.name,
          namespace: this.options.namespace,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 } },
        });
      }
    } catch (error) {
      this.log.warn('lease release failed', { lease: this.options.name, reason: (error as Error).message });
    }
  }

  private notify(): void {
    if (this.lapseSeen && this.wasLeading) this.emit(false);
    this.lapseSeen = false;
    const leading = Date.now() < this.leaderUntil;
    if (leading !== this.wasLeading) this.emit(leading);
  }

  private emit(leading: boolean): void {
    this.wasLeading = leading;
    this.log.info(leading ? 'became leader' : 'lost leadership', {
      lease: this.options.name,
      identity: this.options.identity,
    });
    for (const listener of this.listeners) listener(leading);
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({
        name: this.options.name,
        namespace: this.options.namespace,
      });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { name, namespace, identity, leaseSeconds } = this.options;
    const started = Date.now();
    const now = microTime(new Date());
    const lease = await this.read();
    const spec = lease?.spec;
    const renewTime = spec?.renewTime === undefined ? undefined : String(spec.renewTime);
    if (
      !this.observed ||
      this.observed.holder !== spec?.holderIdentity ||
      this.observed.renewTime !== renewTime
    ) {
      // Seen now, after the read: the holder may have renewed just before it.
      this.observed = { holder: spec?.holderIdentity, renewTime, at: Date.now() };
    }
    const ours = spec?.holderIdentity === identity && lease?.metadata?.resourceVersion === this.written;
    const held = Boolean(spec?.holderIdentity) && !ours;
    const expiresAt = this.observed.at + (spec?.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (held && Date.now() < expiresAt) {
      if (spec?.holderIdentity === identity && !this.twinSeen) {
        this.twinSeen = true;
        this.log.warn('another process holds the Lease under this identity: waiting for it to lapse', {
          lease: name,
          identity,
        });
      }
      return;
    }
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace, resourceVersion: lease?.metadata?.resourceVersion },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: (ours ? spec?.acquireTime : now) as never,
        renewTime: now as never,
        leaseTransitions: (spec?.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    const saved = lease
      ? await this.api.replaceNamespacedLease({ name, namespace, body })
      : await this.api.createNamespacedLease({ namespace, body });
    this.written = saved.metadata?.resourceVersion;
    // The claim counts from before the write and lapses at two thirds of the lease (client-go's
    // renew deadline): a leader that cannot renew stops writing well before others may take over.
    if (this.timer !== undefined) this.leaderUntil = started + (leaseSeconds * 1000 * 2) / 3;
  }
}
