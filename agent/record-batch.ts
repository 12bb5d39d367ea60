import { encodeFrame, type FrameHead } from '../server/flows/flow-frame.ts';
import { LAYOUT, monotonicToWallMs } from './datapath/layout.ts';

/**
 * Ring buffer records as the kernel wrote them (LAYOUT.flow_event, back to back), with the names
 * the agent knows for the pod ids and rule ids they carry, as of when they were taken.
 */
export interface RecordBatch {
  readonly records: Buffer;
  /** `ns/name` of each pod id of the records (when the agent knows it). */
  readonly pods: Readonly<Record<string, string>>;
  /** The policy of each rule id of the records (`ns/name`, or a ClusterNetworkPolicy's name), when known. */
  readonly policies: Readonly<Record<string, string>>;
}

/** How many records a batch holds. */
export const recordCount = (batch: RecordBatch) => batch.records.length / LAYOUT.flow_event.size;

/** The batch's records from `start` to `end` (record indexes), with its names. */
export function sliceRecords(batch: RecordBatch, start: number, end?: number): RecordBatch {
  const size = LAYOUT.flow_event.size;
  return {
    ...batch,
    records: batch.records.subarray(start * size, end === undefined ? undefined : end * size),
  };
}

/**
 * One flow frame of `batches`, their names merged (an id names one pod for as long as the pod
 * lives, so batches never disagree), stamped with the clock of now.
 */
export function frameOf(
  head: Omit<FrameHead, 'clock' | 'pods' | 'policies'>,
  batches: readonly RecordBatch[],
): Buffer {
  const pods: Record<string, string> = {};
  const policies: Record<string, string> = {};
  for (const batch of batches) {
    Object.assign(pods, batch.pods);
    Object.assign(policies, batch.policies);
  }
  return encodeFrame(
    { ...head, clock: monotonicToWallMs(), pods, policies },
    batches.map((batch) => batch.records),
  );
}
