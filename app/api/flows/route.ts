import { parseFlowQuery } from '../../../server/flows/flow-query.ts';
import { flowStore } from '../../../server/flows/flow-service.ts';
import { FieldError } from '../../../server/kube/field-error.ts';

export const dynamic = 'force-dynamic';

/** Stored flow verdicts, newest first: `?verdict=deny&namespace=default&pod=ns/name&port=80&direction=ingress&since=…&until=…&limit=…`. */
export function GET(request: Request): Response {
  try {
    return Response.json({ flows: flowStore().query(parseFlowQuery(new URL(request.url).searchParams)) });
  } catch (error) {
    if (error instanceof FieldError)
      return Response.json({ error: error.message, field: error.field }, { status: 400 });
    throw error;
  }
}
