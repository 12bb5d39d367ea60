import { flowStore, flowStream, ingestCounters } from '../../server/flows/flow-service.ts';
import { renderServerMetrics } from '../../server/flows/ingest-counters.ts';
import { otherMethods, readRoute } from '../../server/http/route.ts';

export const dynamic = 'force-dynamic';

/** The server's Prometheus metrics (each agent serves its own on 127.0.0.1:9470+N). */
export const GET = readRoute({}, () => {
  const text = renderServerMetrics(ingestCounters(), {
    storedFlows: flowStore().count(),
    streamReaders: flowStream().size,
  });
  return new Response(text, { headers: { 'content-type': 'text/plain; version=0.0.4' } });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
