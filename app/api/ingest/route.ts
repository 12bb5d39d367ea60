import { flowStore, flowStream, ingestCounters } from '../../../server/flows/flow-service.ts';
import { IngestError, ingest } from '../../../server/flows/ingest.ts';
import { keyOf } from '../../../server/kube/object-meta.ts';
import { logger } from '../../../server/log.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/**
 * Agents' flow batches (and, from an idle agent, batches of no flows that carry only its status);
 * only an agent's own node token is accepted. Each flow is named with its peer pod.
 */
export async function POST(request: Request): Promise<Response> {
  const counters = ingestCounters();
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    counters.refused[400] = (counters.refused[400] ?? 0) + 1;
    return Response.json({ error: 'the body is not JSON', field: 'body' }, { status: 400 });
  }
  try {
    const source = clusterSource();
    const cluster = await source.cluster();
    const result = await ingest(
      flowStore(),
      flowStream(),
      body,
      request.headers.get('authorization'),
      (token, node) => source.agentMayIngest(token, node),
      (ip) => {
        const pod = cluster.podByIp(ip);
        return pod && keyOf(pod.metadata);
      },
    );
    counters.batches++;
    counters.flows += result.accepted;
    const node = (body as { node: string }).node;
    counters.agentDropped[node] = result.dropped;
    counters.lastBatch[node] = Date.now();
    if (result.status) counters.agentStatus[node] = result.status;
    return Response.json({ accepted: result.accepted, dropped: result.dropped });
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    counters.refused[error.status] = (counters.refused[error.status] ?? 0) + 1;
    logger('ingest').warn('batch refused', {
      status: error.status,
      reason: error.message,
      field: error.field,
    });
    return Response.json({ error: error.message, field: error.field }, { status: error.status });
  }
}
