import { checkFlowRecords, decodeFlowEvents, LAYOUT, recordTime } from '../../agent/datapath/layout.ts';
import { HttpError } from '../http/http-error.ts';
import { isObject, type Json } from '../kube/decode.ts';
import { FieldError } from '../kube/field-error.ts';
import type { AgentStatus } from '../nodes/agent-status.ts';
import {
  type BatchHead,
  decodeBatchHead,
  type Flow,
  flowName,
  type IngestBatch,
  MAX_FLOW_TIME,
} from './flow.ts';

/**
 * A flow frame: ring buffer records as the kernel wrote them, after a head that says once what
 * they need to become flows (the node, the clock, the names of the pods and policies their ids
 * stand for) and the batch's bookkeeping. Agents send one per request to `POST /api/ingest`
 * (`Content-Type: application/vnd.palisade.flows`) and append them to the node's flow file:
 * nothing is done per flow on the way but copying the records.
 *
 *   bytes 0-3   "PLF1"
 *   bytes 4-7   the head's length in bytes (little-endian)
 *   bytes 8-11  how many records follow the head
 *   then        the head, JSON (FrameHead)
 *   then        the records, LAYOUT.flow_event.size bytes each
 */
export const FLOW_FRAME_TYPE = 'application/vnd.palisade.flows';
/** The most flows one batch to the ingest may carry (agents send as many when they are that busy). */
export const MAX_BATCH_FLOWS = 10_000;
const MAGIC = 'PLF1';
const PREFIX = 12;
/** The largest head: the agent's status and the names of every pod of a node fit well within it. */
const MAX_HEAD_BYTES = 4 * 1024 * 1024;

export interface FrameHead {
  readonly node: string;
  /** How many flows the agent had to drop so far. */
  readonly dropped?: number;
  readonly batch?: { readonly sender: string; readonly seq: number };
  readonly status?: AgentStatus;
  /** Milliseconds to add to a record's timestamp (as milliseconds) for the wall clock. */
  readonly clock: number;
  /**
   * The name of each pod id (`ns/name`) and each rule id (its policy: `ns/name`, or a
   * ClusterNetworkPolicy's name) the records carry, when known.
   */
  readonly pods: Readonly<Record<string, string>>;
  readonly policies: Readonly<Record<string, string>>;
}

/** A frame of `head` and the records of `chunks` (whole records, back to back). */
export function encodeFrame(head: FrameHead, chunks: readonly Buffer[]): Buffer {
  const text = Buffer.from(JSON.stringify(head));
  const prefix = Buffer.alloc(PREFIX);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(text.length, 4);
  const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  prefix.writeUInt32LE(bytes / LAYOUT.flow_event.size, 8);
  return Buffer.concat([prefix, text, ...chunks], PREFIX + text.length + bytes);
}

/**
 * The flows of frames back to back (a node's flow file), up to the last whole frame: a frame still
 * being written is left for later; `end` is where it begins. A frame that is not one (a write cut
 * short by a crash, then written over) ends the reading there, with `error` saying where and why.
 */
export function decodeFrames(bytes: Buffer): { flows: Flow[]; end: number; error?: string } {
  const flows: Flow[] = [];
  let at = 0;
  while (bytes.length - at >= PREFIX) {
    try {
      if (bytes.toString('latin1', at, at + 4) !== MAGIC) throw new FieldError('body', `is not a flow frame`);
      const size = PREFIX + bytes.readUInt32LE(at + 4) + bytes.readUInt32LE(at + 8) * LAYOUT.flow_event.size;
      if (at + size > bytes.length) break;
      const { batch, end } = decodeFrame(bytes, at);
      for (const flow of batch.flows) flows.push(flow);
      at = end;
    } catch (error) {
      return { flows, end: at, error: `the frame at byte ${at}: ${(error as Error).message}` };
    }
  }
  return { flows, end: at };
}

/** A frame as it came: its head, checked, and its records, checked by their layout (see checkFlowRecords). */
export interface Frame {
  readonly head: BatchHead;
  /** Milliseconds to add to a record's timestamp (as milliseconds) for the wall clock. */
  readonly clock: number;
  readonly pods: ReadonlyMap<number, string>;
  readonly policies: ReadonlyMap<number, string>;
  readonly records: Buffer;
}

/** The frame at `at` in `bytes`, checked by its layout; `end` is where the next begins. */
export function readFrame(
  bytes: Buffer,
  at = 0,
  maxRecords = Number.POSITIVE_INFINITY,
): { frame: Frame; end: number } {
  if (bytes.length - at < PREFIX || bytes.toString('latin1', at, at + 4) !== MAGIC)
    throw new FieldError('body', `is not a flow frame (it begins with "${MAGIC}")`);
  const headBytes = bytes.readUInt32LE(at + 4);
  const count = bytes.readUInt32LE(at + 8);
  if (count > maxRecords)
    throw new HttpError(413, `a batch holds at most ${maxRecords} flows, not ${count}`, 'records');
  if (headBytes > MAX_HEAD_BYTES) throw new FieldError('head', `must be at most ${MAX_HEAD_BYTES} bytes`);
  const recordsAt = at + PREFIX + headBytes;
  if (recordsAt > bytes.length)
    throw new FieldError(
      'head',
      `says ${headBytes} bytes, and ${bytes.length - at - PREFIX} follow the frame's prefix`,
    );
  const end = recordsAt + count * LAYOUT.flow_event.size;
  if (end > bytes.length)
    throw new FieldError(
      'records',
      `the frame says ${count} records, and ${bytes.length - recordsAt} bytes follow its head`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8', at + PREFIX, recordsAt));
  } catch {
    throw new FieldError('head', 'is not JSON');
  }
  if (!isObject(raw)) throw new FieldError('head', 'must be an object');
  const head = decodeBatchHead(raw);
  // The wall clock less the kernel's monotonic one: the time since the machine started, before now.
  if (typeof raw.clock !== 'number' || !(raw.clock >= 0 && raw.clock <= MAX_FLOW_TIME))
    throw new FieldError('head.clock', 'must be milliseconds since the epoch');
  const records = bytes.subarray(recordsAt, end);
  checkFlowRecords(records);
  const { size } = LAYOUT.flow_event;
  for (let i = 0; i < count; i++)
    if (recordTime(records, i * size, raw.clock) > MAX_FLOW_TIME)
      throw new FieldError(`records[${i}].timestamp_ns`, 'is past the year 2090 on the head’s clock');
  const frame = {
    head,
    clock: raw.clock,
    pods: names(raw.pods, 'head.pods', false),
    policies: names(raw.policies, 'head.policies', true),
    records,
  };
  return { frame, end };
}

/** The frame at `at` in `bytes`, checked by its layout, its flows named; `end` is where the next begins. */
export function decodeFrame(
  bytes: Buffer,
  at = 0,
  maxRecords = Number.POSITIVE_INFINITY,
): { batch: IngestBatch; end: number } {
  const { frame, end } = readFrame(bytes, at, maxRecords);
  const events = decodeFlowEvents(frame.records, frame.clock);
  return { batch: { ...frame.head, flows: events.map((event) => flowOf(frame, event)) }, end };
}

function flowOf(frame: Frame, event: ReturnType<typeof decodeFlowEvents>[number]): Flow {
  return {
    time: event.time,
    node: frame.head.node,
    pod: frame.pods.get(event.podId),
    direction: event.direction,
    verdict: event.verdict,
    kind: event.kind,
    src: event.src,
    sport: event.sport,
    dst: event.dst,
    dport: event.dport,
    protocol: event.protocol,
    family: event.family,
    reason: event.reason,
    tier: event.tier,
    policy: frame.policies.get(event.ruleId),
  };
}

/** A head's names by id: an object of pods' or (`clusterScoped`) policies' keys keyed by whole numbers. */
function names(value: unknown, path: string, clusterScoped: boolean): Map<number, string> {
  if (!isObject(value)) throw new FieldError(path, 'must be an object of names by id');
  const result = new Map<number, string>();
  for (const [id, name] of Object.entries(value as Json)) {
    if (!/^\d{1,10}$/.test(id)) throw new FieldError(`${path}.${id.slice(0, 40)}`, 'must be keyed by an id');
    result.set(Number(id), flowName(name, `${path}.${id}`, clusterScoped));
  }
  return result;
}
