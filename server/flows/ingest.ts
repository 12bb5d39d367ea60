import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { FieldError } from '../kube/field-error.ts';
import { decodeIngestBatch } from './flow.ts';
import type { FlowStore } from './flow-store.ts';
import type { FlowStream } from './flow-stream.ts';

/** An ingest request turned away: the HTTP status and, for bad input, the field. */
export class IngestError extends Error {
  readonly status: number;
  readonly field: string | undefined;

  constructor(status: number, message: string, field?: string) {
    super(message);
    this.name = 'IngestError';
    this.status = status;
    this.field = field;
  }
}

/** Whether `given` is `expected`, in time that does not depend on where they differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Takes one batch from an agent: the bearer token must be that node's own (`tokens` maps node
 * names to tokens), the body must validate whole, and then all of its flows are stored, or none,
 * and passed on to live readers.
 */
export function ingest(
  store: FlowStore,
  stream: FlowStream | undefined,
  body: unknown,
  authorization: string | null,
  tokens: Readonly<Record<string, string>>,
) {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) throw new IngestError(401, 'an agent token is required (Authorization: Bearer …)');
  let batch: ReturnType<typeof decodeIngestBatch>;
  try {
    batch = decodeIngestBatch(body);
  } catch (error) {
    if (error instanceof FieldError) throw new IngestError(400, error.message, error.field);
    throw error;
  }
  const expected = tokens[batch.node];
  if (!expected || !sameSecret(token, expected))
    throw new IngestError(403, `not the token of node ${batch.node}`);
  store.add(batch.flows);
  stream?.publish(batch.flows);
  return { accepted: batch.flows.length, dropped: batch.dropped };
}
