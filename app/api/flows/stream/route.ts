import { flowStream } from '../../../../server/flows/flow-service.ts';
import { liveFlowsResponse } from '../../../../server/flows/live-flows.ts';
import { readRoute } from '../../../../server/http/route.ts';

export const dynamic = 'force-dynamic';

/** Live flow verdicts as server-sent events (see liveFlowsResponse). */
export const GET = readRoute({}, ({ request }) => liveFlowsResponse(flowStream(), request.signal));
