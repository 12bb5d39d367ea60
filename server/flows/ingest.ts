import 'server-only';
import { HttpError } from '../http/http-error.ts';
import { FieldError } from '../kube/field-error.ts';
import type { AgentIdentity } from '../sources/cluster-source.ts';
import { decodeIngestBatch, type Flow, type IngestBatch } from './flow.ts';
import { decodeFrame, MAX_BATCH_FLOWS } from './flow-frame.ts';
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
 * How flows get the names of what is at their other end (see ServiceFlowNamer): `name` before
 * they are stored, `settle` once they are, which says which to pass on to live readers now.
 */
export interface FlowNaming {
  name(flows: readonly Flow[]): Flow[];
  settle(flows: readonly Flow[]): Flow[];
}

/** Where a batch goes: the store, live readers, the counters of `/metrics`. */
export interface IngestTarget {
  readonly store: FlowStore;
  readonly stream?: FlowStream;
  readonly counters?: IngestCounters;
  readonly names?: FlowNaming;
}

/**
 * An ingest body that is a flow frame as a batch: one frame, the whole body, of at most
 * {@link MAX_BATCH_FLOWS} records, each checked by its layout; errors name the field.
 */
export function parseIngestFrame(bytes: Buffer): IngestBatch {
  const decoded = decodeFrame(bytes, 0, MAX_BATCH_FLOWS);
  if (decoded.end !== bytes.length)
    throw new FieldError('body', `holds ${bytes.length - decoded.end} bytes after its frame`);
  return decoded.batch;
}

/** An ingest body (JSON) as a batch: at most {@link MAX_BATCH_FLOWS} flows, each valid; errors name the field. */
export function parseIngestBody(text: string): IngestBatch {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FieldError('body', 'is not JSON');
  }
  const flows = (raw as { flows?: unknown } | null)?.flows;
  if (Array.isArray(flows) && flows.length > MAX_BATCH_FLOWS)
    throw new HttpError(413, `a batch holds at most ${MAX_BATCH_FLOWS} flows, not ${flows.length}`, 'flows');
  return decodeIngestBatch(raw);
}

/**
 * Takes one batch from an agent whose token was accepted before its body was read: the batch must
 * be for a node the agent speaks for; then all of its flows are stored, or none, each named with
 * the pod (and Service) at its other end as of now, and passed on to live readers. A batch its
 * agent sent again (same number) is answered as taken and not stored twice. Flows stamped more than
 * {@link MAX_CLOCK_AHEAD_MS} past the server's clock are kept at the time they arrived, and counted.
 */
export function ingest(target: IngestTarget, batch: IngestBatch, agent: AgentIdentity, now = Date.now()) {
  if (!agent.speaksFor(batch.node)) throw new HttpError(403, `not the token of node ${batch.node}`, 'node');
  const { timely, ahead } = notAhead(batch.flows, now);
  const flows = target.names ? target.names.name(timely) : timely;
  const stored = target.store.add(flows, batch.batch && { node: batch.node, ...batch.batch });
  if (stored) target.stream?.publish(target.names ? target.names.settle(flows) : flows);
  const counters = target.counters;
  if (counters) {
    counters.batches++;
    if (stored) counters.flows += flows.length;
    counters.agentDropped[batch.node] = batch.dropped;
    if (stored && ahead > 0) counters.aheadFlows[batch.node] = (counters.aheadFlows[batch.node] ?? 0) + ahead;
    counters.lastBatch[batch.node] = Date.now();
    if (batch.status) counters.agentStatus[batch.node] = batch.status;
  }
  return {
    accepted: stored ? flows.length : 0,
    dropped: batch.dropped,
    ...(stored ? {} : { duplicate: true }),
  };
}

/** The flows with every time past `now` + {@link MAX_CLOCK_AHEAD_MS} moved to `now`, and how many were. */
function notAhead(flows: readonly Flow[], now: number): { timely: readonly Flow[]; ahead: number } {
  const limit = now + MAX_CLOCK_AHEAD_MS;
  let ahead = 0;
  const timely = flows.map((flow) => {
    if (flow.time <= limit) return flow;
    ahead++;
    return { ...flow, time: now };
  });
  return { timely: ahead > 0 ? timely : flows, ahead };
}
