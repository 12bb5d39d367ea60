import 'server-only';
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

/** Whether `token` is the agent of `node`'s (the lab's node tokens, or a TokenReview in Kubernetes mode). */
export type AgentCheck = (token: string, node: string) => Promise<boolean>;

/** The pod (`ns/name`) that holds an IP now, if one does. */
export type PodAt = (ip: string) => string | undefined;

/**
 * Takes one batch from an agent: the bearer token must be that node's own, the body must
 * validate whole, and then all of its flows are stored, or none, each named with the pod at its
 * other end as of now, and passed on to live readers.
 */
export async function ingest(
  store: FlowStore,
  stream: FlowStream | undefined,
  body: unknown,
  authorization: string | null,
  mayIngest: AgentCheck,
  podAt: PodAt = () => undefined,
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
  if (!(await mayIngest(token, batch.node)))
    throw new IngestError(403, `not the token of node ${batch.node}`);
  const flows = batch.flows.map((flow) => {
    const peer = podAt(flow.direction === 'ingress' ? flow.src : flow.dst);
    return peer ? { ...flow, peer } : flow;
  });
  store.add(flows);
  stream?.publish(flows);
  return { accepted: flows.length, dropped: batch.dropped, status: batch.status };
}
