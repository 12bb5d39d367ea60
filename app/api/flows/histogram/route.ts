import { flowStore } from '../../../../server/flows/flow-service.ts';
import { parseHistogramQuery } from '../../../../server/flows/histogram-query.ts';
import { sourceFailure } from '../../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/** Stored flows counted per verdict over time: the flows filters, `since`, `until`, `buckets`. */
export function GET(request: Request): Response {
  try {
    const { query, buckets } = parseHistogramQuery(new URL(request.url).searchParams, Date.now());
    return Response.json({ buckets: flowStore().histogram(query, buckets) });
  } catch (error) {
    return sourceFailure(error);
  }
}
