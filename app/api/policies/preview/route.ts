import { flowStore } from '../../../../server/flows/flow-service.ts';
import { readPolicyBody } from '../../../../server/policy/policy-body.ts';
import { previewChange } from '../../../../server/policy/preview.ts';
import { clusterSource } from '../../../../server/sources/source.ts';
import { sourceFailure } from '../../../../server/sources/source-failure.ts';

export const dynamic = 'force-dynamic';

/** What applying the body's policies would open and close, and which recent flows it would turn; applies nothing. */
export async function POST(request: Request): Promise<Response> {
  try {
    const policies = readPolicyBody(request.headers.get('content-type'), await request.text());
    const recent = flowStore().query({ since: Date.now() - 10 * 60 * 1000, limit: 5000 });
    return Response.json(previewChange(await clusterSource().cluster(), policies, recent));
  } catch (error) {
    return sourceFailure(error);
  }
}
