import { flowStore } from '../../../../server/flows/flow-service.ts';
import { parseHistogramQuery } from '../../../../server/flows/histogram-query.ts';
import { otherMethods, readRoute } from '../../../../server/http/route.ts';

export const dynamic = 'force-dynamic';

/** Stored flows counted per verdict over time: the flows filters, `since`, `until`, `buckets`. */
export const GET = readRoute(
  { query: (params) => parseHistogramQuery(params, Date.now()) },
  ({ query: { query, buckets } }) => ({ buckets: flowStore().histogram(query, buckets) }),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
