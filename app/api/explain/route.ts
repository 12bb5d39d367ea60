import { explainConnection, parseExplainQuery } from '../../../server/flows/explain-connection.ts';
import { otherMethods, readRoute } from '../../../server/http/route.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** `?from=ns/pod|IP&to=ns/pod|svc/ns/name|IP&port=80&protocol=TCP[&backend=ns/pod]`: the verdict and why, from the policy model. */
export const GET = readRoute({ query: parseExplainQuery }, async ({ query }) =>
  explainConnection(await clusterSource().cluster(), query),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
