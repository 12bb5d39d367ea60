import { agentTokens, flowStore, flowStream } from '../../../server/flows/flow-service.ts';
import { IngestError, ingest } from '../../../server/flows/ingest.ts';

export const dynamic = 'force-dynamic';

/** Agents' flow batches; only an agent's own node token is accepted. */
export async function POST(request: Request): Promise<Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: 'the body is not JSON', field: 'body' }, { status: 400 });
  }
  try {
    return Response.json(
      ingest(flowStore(), flowStream(), body, request.headers.get('authorization'), agentTokens()),
    );
  } catch (error) {
    if (error instanceof IngestError)
      return Response.json({ error: error.message, field: error.field }, { status: error.status });
    throw error;
  }
}
