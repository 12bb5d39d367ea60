import { isolationOf } from '../../../server/flows/deciding-policies.ts';
import { otherMethods, readRoute } from '../../../server/http/route.ts';
import { quoted } from '../../../server/kube/decode.ts';
import { FieldError } from '../../../server/kube/field-error.ts';
import { objectKeyProblem } from '../../../server/kube/names.ts';
import { clusterSource } from '../../../server/sources/source.ts';

export const dynamic = 'force-dynamic';

/** `?pod=ns/name&pod=…`: the policies that isolate each pod, per direction (what decides a denial there). */
export const GET = readRoute({ query: podKeys }, async ({ query: pods }) => ({
  pods: isolationOf(await clusterSource().cluster(), pods),
}));

/** Every `pod` parameter, each an `ns/name`. */
function podKeys(params: URLSearchParams): string[] {
  return params.getAll('pod').map((pod) => {
    const problem = objectKeyProblem(pod);
    if (problem) throw new FieldError('pod', `${quoted(pod)} ${problem}`);
    return pod;
  });
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
