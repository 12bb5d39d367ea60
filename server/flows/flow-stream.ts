import type { Flow } from './flow.ts';

/** One listener's queue: bounded, so a slow reader loses its oldest flows instead of slowing ingest. */
export interface FlowSubscription {
  /** Flows waiting for the reader, oldest first; take them with `drain`. */
  drain(): Flow[];
  /** Flows this reader lost because it fell behind. */
  readonly dropped: number;
  close(): void;
}

/**
 * Fans ingested flows out to live readers (the flows page's server-sent events). Publishing only
 * appends to each reader's bounded queue and wakes it; it never waits for a reader.
 */
export class FlowStream {
  private readonly subscribers = new Set<{ queue: Flow[]; dropped: number; wake: () => void }>();
  private readonly limit: number;

  constructor(limit = 10_000) {
    this.limit = limit;
  }

  publish(flows: readonly Flow[]): void {
    for (const subscriber of this.subscribers) {
      subscriber.queue.push(...flows);
      const excess = subscriber.queue.length - this.limit;
      if (excess > 0) {
        subscriber.queue.splice(0, excess);
        subscriber.dropped += excess;
      }
      subscriber.wake();
    }
  }

  /** `wake` is called (possibly often) when flows are waiting. */
  subscribe(wake: () => void): FlowSubscription {
    const subscriber = { queue: [] as Flow[], dropped: 0, wake };
    this.subscribers.add(subscriber);
    return {
      drain: () => subscriber.queue.splice(0),
      get dropped() {
        return subscriber.dropped;
      },
      close: () => {
        this.subscribers.delete(subscriber);
      },
    };
  }

  get size(): number {
    return this.subscribers.size;
  }
}
