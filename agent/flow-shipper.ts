import type { AgentStatus } from '../server/nodes/agent-status.ts';
import type { NamedFlow } from './node-agent.ts';

export interface ShipperOptions {
  /** The server's ingest endpoint, e.g. http://127.0.0.1:3000/api/ingest. */
  readonly url: string;
  /** This node's token, sent as a bearer token; read anew for each batch (tokens rotate). */
  readonly token: () => string | undefined;
  readonly node: string;
  /** Flows held while the server is slow or away; past this the oldest are dropped (and counted). */
  readonly maxBuffered?: number;
  readonly batchSize?: number;
  /** Wait after a failed send before trying again. */
  readonly retryMs?: number;
  /** The agent's status (read from the kernel's maps, so not free), sent at most this often with a batch. */
  readonly status?: () => AgentStatus | undefined;
  readonly statusEveryMs?: number;
  /** With no flows for this long, a batch of none carries the status, so that the server hears from the agent. */
  readonly heartbeatMs?: number;
}

/** A flow as it travels to the server and into the flow file: JSON, the kernel timestamp as a string. */
export function wireFlow(flow: NamedFlow): string {
  return JSON.stringify({ ...flow, timestampNs: flow.timestampNs.toString() });
}

/**
 * Sends flows to the server's ingest in batches, one request at a time: when the server is slow
 * the buffer absorbs it, when it is down the buffer holds up to a bound, and whatever had to be
 * dropped is counted, never silent.
 */
export class FlowShipper {
  private readonly options: Required<Omit<ShipperOptions, 'status'>> & Pick<ShipperOptions, 'status'>;
  /** Flows as JSON text (serialized once, by the caller). */
  private buffer: string[] = [];
  private sending = false;
  private closed = false;
  /** Flows dropped because the buffer was full. */
  dropped = 0;
  /** Flows the server accepted. */
  delivered = 0;
  lastError: string | undefined;
  private lastSent = 0;
  private lastStatus = 0;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(options: ShipperOptions) {
    this.options = {
      maxBuffered: 100_000,
      batchSize: 5_000,
      retryMs: 1_000,
      statusEveryMs: 2_000,
      heartbeatMs: 10_000,
      ...options,
    };
    this.heartbeat = setInterval(() => {
      if (this.sending || Date.now() - this.lastSent < this.options.heartbeatMs) return;
      this.sending = true;
      void this.send([]).finally(() => {
        this.sending = false;
        void this.drain();
      });
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Takes flows already serialized as JSON (see {@link wireFlow}). */
  push(flows: readonly string[]): void {
    for (const flow of flows) this.buffer.push(flow);
    this.bound();
    void this.drain();
  }

  /** Drops the oldest flows past the bound, counting them. */
  private bound(): void {
    const excess = this.buffer.length - this.options.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.buffer.length > 0 && !this.closed) {
        const batch = this.buffer.splice(0, this.options.batchSize);
        if (await this.send(batch)) continue;
        // Not delivered: back to the front, and the oldest go if that is more than the bound.
        this.buffer.unshift(...batch);
        this.bound();
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs));
      }
    } finally {
      this.sending = false;
    }
  }

  /** One request to the ingest; says whether the server took it. */
  private async send(batch: readonly string[]): Promise<boolean> {
    let status: AgentStatus | undefined;
    if (Date.now() - this.lastStatus >= this.options.statusEveryMs) {
      try {
        status = this.options.status?.();
      } catch {
        // The datapath cannot be read just now (pins not yet made): the flows go without it.
      }
    }
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.options.token() ?? ''}`,
        },
        body: `{"node":${JSON.stringify(this.options.node)},"dropped":${this.dropped},${status ? `"status":${JSON.stringify(status)},` : ''}"flows":[${batch.join(',')}]}`,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`ingest answered ${response.status}`);
      this.delivered += batch.length;
      this.lastSent = Date.now();
      if (status) this.lastStatus = this.lastSent;
      this.lastError = undefined;
      return true;
    } catch (error) {
      this.lastError = (error as Error).message;
      return false;
    }
  }
}
