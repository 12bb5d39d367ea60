import { parseFlowQuery } from '../../../server/flows/flow-query.ts';
import { flowStore } from '../../../server/flows/flow-service.ts';
import { otherMethods, readRoute } from '../../../server/http/route.ts';

export const dynamic = 'force-dynamic';

/** Stored flow verdicts, newest first: `?verdict=deny&tier=Admin&namespace=default&pod=ns/name&service=ns/name&port=80&direction=ingress&since=…&until=…&limit=…`. */
export const GET = readRoute({ query: parseFlowQuery }, ({ query }) => ({ flows: flowStore().query(query) }));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
