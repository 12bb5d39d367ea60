import { parseFlowQuery } from '../../../../server/flows/flow-query.ts';
import { flowStream } from '../../../../server/flows/flow-service.ts';
import { liveFlowsResponse } from '../../../../server/flows/live-flows.ts';
import { otherMethods, readRoute } from '../../../../server/http/route.ts';

export const dynamic = 'force-dynamic';

/** Live flow verdicts as server-sent events (see liveFlowsResponse), filtered as `GET /api/flows` filters (it takes no `limit`). */
export const GET = readRoute({ query: (params) => parseFlowQuery(params, false) }, ({ request, query }) =>
  liveFlowsResponse(flowStream(), request.signal, query),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
