import { flowNaming, flowStore, flowStream, ingestCounters } from '../../../server/flows/flow-service.ts';
import { ingest } from '../../../server/flows/ingest.ts';
import { countRefused } from '../../../server/flows/ingest-counters.ts';
import { INGEST_BODY } from '../../../server/http/bodies.ts';
import { agentRoute, otherMethods } from '../../../server/http/route.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/**
 * Agents' flow batches (and, from an idle agent, batches of no flows that carry only its status);
 * only an agent's token, for its own node, is accepted. Each flow is named with its peer pod and Service.
 */
export const POST = agentRoute(
  { body: INGEST_BODY, refused: (status) => countRefused(ingestCounters(), status) },
  async ({ body, agent }) => {
    const names = flowNaming(await clusterSource().cluster());
    return ingest(
      { store: flowStore(), stream: flowStream(), counters: ingestCounters(), names },
      body,
      agent,
    );
  },
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
