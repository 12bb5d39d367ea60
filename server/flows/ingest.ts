import 'server-only';
import { HttpError } from '../http/http-error.ts';
import { FieldError } from '../kube/field-error.ts';
import type { AgentIdentity } from '../sources/cluster-source.ts';
import type { ServiceFlows } from './block-naming.ts';
import { type BatchHead, decodeIngestBatch, type Flow } from './flow.ts';
import { MAX_BATCH_FLOWS, readFrame } from './flow-frame.ts';
import { FlowBlock } from './flow-records.ts';
import type { FlowStore } from './flow-store.ts';
import type { FlowStream } from './flow-stream.ts';
import type { IngestCounters } from './ingest-counters.ts';

/** The largest batch body: 10,000 flows and an agent's status fit well within it. */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/**
 * How far past the server's clock a flow's time may be. An agent's clock ahead by more is wrong,
 * and a row from the future would outlive the store's age limit and sort first until its time.
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000;

/**
 * How flows get the names of what is at their other end: `name` before they are stored (in place:
 * see nameBlock), `settle` once they are, which says which of the flows that concern a Service to
 * pass on to live readers now.
 */
export interface FlowNaming {
  name(node: string, block: FlowBlock): ServiceFlows;
  settle(flows: ServiceFlows): Flow[];
}

/** Where a batch goes: the store, live readers, the counters of `/metrics`. */
export interface IngestTarget {
  readonly store: FlowStore;
  readonly stream?: FlowStream;
  readonly counters?: IngestCounters;
  readonly names?: FlowNaming;
}

/** A batch as the ingest takes it: what its body says besides its flows, and its flows as a block. */
export type IngestBlock = BatchHead & { readonly block: FlowBlock };

/**
 * An ingest body that is a flow frame as a batch: one frame, the whole body, of at most
 * {@link MAX_BATCH_FLOWS} records, each checked by its layout; errors name the field. The records
 * become the block's as they are: no flow is made of them.
 */
export function parseIngestFrame(bytes: Buffer): IngestBlock {
  const { frame, end } = readFrame(bytes, 0, MAX_BATCH_FLOWS);
  if (end !== bytes.length) throw new FieldError('body', `holds ${bytes.length - end} bytes after its frame`);
  return { ...frame.head, block: FlowBlock.ofKernel(frame.records, frame.clock, frame.pods, frame.policies) };
}

/** An ingest body (JSON) as a batch: at most {@link MAX_BATCH_FLOWS} flows, each valid; errors name the field. */
export function parseIngestBody(text: string): IngestBlock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FieldError('body', 'is not JSON');
  }
  const flows = (raw as { flows?: unknown } | null)?.flows;
  if (Array.isArray(flows) && flows.length > MAX_BATCH_FLOWS)
    throw new HttpError(413, `a batch holds at most ${MAX_BATCH_FLOWS} flows, not ${flows.length}`, 'flows');
  const { flows: decoded, ...head } = decodeIngestBatch(raw);
  return { ...head, block: FlowBlock.of(decoded) };
}

/**
 * Takes one batch from an agent whose token was accepted before its body was read: the batch must
 * be for a node the agent speaks for; then all of its flows are stored, or none, each named with
 * the pod (and Service) at its other end as of now, and passed on to live readers. A batch its
 * agent sent again (same number) is answered as taken and not stored twice. Flows stamped more than
 * {@link MAX_CLOCK_AHEAD_MS} past the server's clock are kept at the time they arrived, and counted;
 * flows older than the store keeps (an agent's clock far behind) are not kept, and counted.
 */
export function ingest(target: IngestTarget, batch: IngestBlock, agent: AgentIdentity, now = Date.now()) {
  const { node, block } = batch;
  if (!agent.speaksFor(node)) throw new HttpError(403, `not the token of node ${node}`, 'node');
  const ahead = notAhead(block, now);
  const oldest = target.store.oldestKept(now);
  const expired = olderThan(block, oldest);
  const service = target.names?.name(node, block) ?? { indexes: [], flows: [] };
  const stored = target.store.addBlock(node, block, batch.batch && { node, ...batch.batch });
  if (stored && expired > 0) target.store.prune(now);
  if (stored) {
    const settled = target.names ? target.names.settle(service) : service.flows;
    // The flows are made for live readers only when there are some.
    if (target.stream && target.stream.size > 0) {
      const flows = [...others(block, node, service), ...settled];
      target.stream.publish(expired > 0 ? flows.filter((flow) => flow.time >= oldest) : flows);
    }
  }
  const counters = target.counters;
  if (counters) {
    counters.batches++;
    if (stored) counters.flows += block.count;
    counters.agentDropped[node] = batch.dropped;
    if (stored && ahead > 0) counters.aheadFlows[node] = (counters.aheadFlows[node] ?? 0) + ahead;
    if (stored && expired > 0) counters.expiredFlows[node] = (counters.expiredFlows[node] ?? 0) + expired;
    counters.lastBatch[node] = Date.now();
    if (batch.status) counters.agentStatus[node] = batch.status;
  }
  return {
    accepted: stored ? block.count - expired : 0,
    dropped: batch.dropped,
    ...(stored && expired > 0 ? { expired } : {}),
    ...(stored ? {} : { duplicate: true }),
  };
}

/** The block's flows but those that concern a Service (settled apart). */
function others(block: FlowBlock, node: string, service: ServiceFlows): Flow[] {
  const apart = new Set(service.indexes);
  const flows: Flow[] = [];
  for (let i = 0; i < block.count; i++) if (!apart.has(i)) flows.push(block.flow(i, node));
  return flows;
}

/** How many of the block's flows are older than `oldest`. */
function olderThan(block: FlowBlock, oldest: number): number {
  let count = 0;
  for (let i = 0; i < block.count; i++) if (block.records.time(i) < oldest) count++;
  return count;
}

/** Moves every time past `now` + {@link MAX_CLOCK_AHEAD_MS} to `now`; how many were. */
function notAhead(block: FlowBlock, now: number): number {
  const limit = now + MAX_CLOCK_AHEAD_MS;
  let ahead = 0;
  for (let i = 0; i < block.count; i++) {
    if (block.records.time(i) <= limit) continue;
    block.records.setTime(i, now);
    ahead++;
  }
  return ahead;
}
