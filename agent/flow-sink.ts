import { appendFileSync, renameSync, statSync } from 'node:fs';
import { type FlowShipper, wireFlow } from './flow-shipper.ts';
import type { AgentMetrics } from './metrics.ts';
import type { NamedFlow } from './node-agent.ts';

/** Bytes after which the agent's flow file is rotated (one older file is kept). */
const ROTATE_BYTES = 8 * 1024 * 1024;

export interface SinkOptions {
  /**
   * How long flows wait to be written and shipped together: each write and each request to the
   * server costs about as much as hundreds of flows, and the ring buffer hands over a batch every
   * 10 ms (bench:events measures it).
   */
  readonly holdMs?: number;
  /** Flows that are written and shipped at once without waiting (the shipper's batch). */
  readonly flushAt?: number;
}

/**
 * Where the agent's flow verdicts go: its metrics at once; the server's ingest (when configured)
 * and the node's flow file that `palisade ebpf flows` reads, together every `holdMs` or every
 * `flushAt` flows, whichever comes first.
 */
export class FlowSink {
  private readonly file: string;
  private readonly metrics: AgentMetrics;
  private readonly shipper: Pick<FlowShipper, 'push'> | undefined;
  private readonly options: Required<SinkOptions>;
  /** Flows as JSON lines, waiting for the next flush. */
  private held: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Flows taken in so far. */
  received = 0;

  constructor(
    file: string,
    metrics: AgentMetrics,
    shipper?: Pick<FlowShipper, 'push'>,
    options: SinkOptions = {},
  ) {
    this.file = file;
    this.metrics = metrics;
    this.shipper = shipper;
    this.options = { holdMs: 50, flushAt: 5000, ...options };
  }

  take(flows: readonly NamedFlow[]): void {
    this.received += flows.length;
    this.metrics.record(flows);
    for (const flow of flows) this.held.push(wireFlow(flow));
    if (this.held.length >= this.options.flushAt) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.holdMs);
  }

  /** Writes and ships what is held now (also when the agent stops). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.length === 0) return;
    const lines = this.held;
    this.held = [];
    this.shipper?.push(lines);
    appendFileSync(this.file, `${lines.join('\n')}\n`);
    try {
      if (statSync(this.file).size > ROTATE_BYTES) renameSync(this.file, `${this.file}.1`);
    } catch {
      // Rotation is best effort; the next batch tries again.
    }
  }
}
