import { appendFileSync, existsSync, readFileSync, renameSync, statSync, truncateSync } from 'node:fs';
import { decodeFrames, MAX_BATCH_FLOWS } from '../server/flows/flow-frame.ts';
import { labFile } from '../server/lab/lab-store.ts';
import type { FlowShipper } from './flow-shipper.ts';
import type { AgentMetrics } from './metrics.ts';
import { frameOf, type RecordBatch, recordCount } from './record-batch.ts';

/** The node's flow file in the lab folder: flow frames back to back (see flow-frame.ts). */
export const flowFileOf = (node: string) => labFile(`flows-${node}.frames`);

/** Bytes after which the agent's flow file is rotated (one older file is kept). */
const ROTATE_BYTES = 8 * 1024 * 1024;

export interface SinkOptions {
  /**
   * How long flows wait to be written and shipped together: each write and each request to the
   * server (its route, checks, transaction) costs as much as thousands of flows, and the ring
   * buffer hands over a batch every 100 ms (sooner when one fills); 500 ms keeps the live
   * view within a second while a busy node's requests carry thousands of flows (bench:events
   * measures it).
   */
  readonly holdMs?: number;
  /** Flows that are written and shipped at once without waiting (the shipper's batch). */
  readonly flushAt?: number;
}

/**
 * Where the agent's flow verdicts go: its metrics at once; the server's ingest (when configured)
 * and the node's flow file that `palisade ebpf flows` reads (flow frames, see flow-frame.ts),
 * together every `holdMs` or every `flushAt` flows, whichever comes first. The records go as the
 * kernel wrote them: nothing here is done per flow but counting it.
 */
export class FlowSink {
  private readonly node: string;
  private readonly file: string;
  private readonly metrics: AgentMetrics;
  private readonly shipper: Pick<FlowShipper, 'push'> | undefined;
  private readonly options: Required<SinkOptions>;
  /** Batches of records waiting for the next flush, and how many records they hold. */
  private held: RecordBatch[] = [];
  private heldCount = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Flows taken in so far. */
  received = 0;

  constructor(
    node: string,
    file: string,
    metrics: AgentMetrics,
    shipper?: Pick<FlowShipper, 'push'>,
    options: SinkOptions = {},
  ) {
    this.node = node;
    this.file = file;
    this.metrics = metrics;
    this.shipper = shipper;
    this.options = { holdMs: 500, flushAt: MAX_BATCH_FLOWS, ...options };
    // A frame that a crash cut short goes, so that the frames written after it can be read.
    if (existsSync(file)) {
      const bytes = readFileSync(file);
      const { end } = decodeFrames(bytes);
      if (end < bytes.length) truncateSync(file, end);
    }
  }

  take(batch: RecordBatch): void {
    const count = recordCount(batch);
    if (count === 0) return;
    this.received += count;
    this.metrics.record(batch);
    this.held.push(batch);
    this.heldCount += count;
    if (this.heldCount >= this.options.flushAt) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.holdMs);
  }

  /** Writes and ships what is held now (also when the agent stops). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.length === 0) return;
    const batches = this.held;
    this.held = [];
    this.heldCount = 0;
    this.shipper?.push(batches);
    appendFileSync(this.file, frameOf({ node: this.node }, batches));
    try {
      if (statSync(this.file).size > ROTATE_BYTES) renameSync(this.file, `${this.file}.1`);
    } catch {
      // Rotation is best effort; the next batch tries again.
    }
  }
}
