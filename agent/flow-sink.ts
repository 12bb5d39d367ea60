import { appendFileSync, renameSync, statSync } from 'node:fs';
import { type FlowShipper, wireFlow } from './flow-shipper.ts';
import type { AgentMetrics } from './metrics.ts';
import type { NamedFlow } from './node-agent.ts';

/** Bytes after which the agent's flow file is rotated (one older file is kept). */
const ROTATE_BYTES = 8 * 1024 * 1024;

/**
 * Where the agent's flow verdicts go, batch by batch: its metrics, the server's ingest (when
 * configured) and the node's flow file that `palisade ebpf flows` reads.
 */
export class FlowSink {
  private readonly file: string;
  private readonly metrics: AgentMetrics;
  private readonly shipper: FlowShipper | undefined;
  /** Flows taken in so far. */
  received = 0;

  constructor(file: string, metrics: AgentMetrics, shipper?: FlowShipper) {
    this.file = file;
    this.metrics = metrics;
    this.shipper = shipper;
  }

  take(flows: readonly NamedFlow[]): void {
    this.received += flows.length;
    this.metrics.record(flows);
    const lines = flows.map(wireFlow);
    this.shipper?.push(lines);
    appendFileSync(this.file, `${lines.join('\n')}\n`);
    try {
      if (statSync(this.file).size > ROTATE_BYTES) renameSync(this.file, `${this.file}.1`);
    } catch {
      // Rotation is best effort; the next batch tries again.
    }
  }
}
