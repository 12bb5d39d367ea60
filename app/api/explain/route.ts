import { explainConnection } from '../../../server/flows/explain-connection.ts';
import { FieldError } from '../../../server/kube/field-error.ts';
import { labCluster } from '../../../server/lab/lab-store.ts';

export const dynamic = 'force-dynamic';

/** `?from=ns/pod|IP&to=ns/pod|IP&port=80&protocol=TCP`: the verdict and why, from the policy model. */
export function GET(request: Request): Response {
  try {
    return Response.json(explainConnection(labCluster(), new URL(request.url).searchParams));
  } catch (error) {
    if (error instanceof FieldError)
      return Response.json({ error: error.message, field: error.field }, { status: 400 });
    throw error;
  }
}
