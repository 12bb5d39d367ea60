import { FieldError } from '../kube/field-error.ts';
import { PROTOCOLS, type Protocol } from '../kube/protocol.ts';
import type { Cluster } from '../policy/cluster.ts';
import { draftAllowingPolicies } from '../policy/draft-policy.ts';
import { type Endpoint, endpointAt } from '../policy/endpoint.ts';
import { evaluate, type Verdict } from '../policy/evaluate.ts';

/** An end named as `ns/pod` or an IP address (a pod's IP finds the pod). */
function endpointOf(cluster: Cluster, text: string, field: string): Endpoint {
  const atAddress = endpointAt(cluster, text);
  if (atAddress) return atAddress;
  const pod = cluster.pod(text);
  if (!pod) throw new FieldError(field, `no pod ${JSON.stringify(text)} and not an IP address`);
  return { pod, ip: cluster.ipOf(pod) };
}

/**
 * Why a connection is allowed or denied, from URL parameters `from`, `to`, `port`, `protocol`
 * (the flows page's detail and the graph's edges ask this), with a draft of the policies that
 * would allow it when it is denied.
 */
export function explainConnection(cluster: Cluster, params: URLSearchParams): Verdict & { draft: string } {
  const port = Number(params.get('port'));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new FieldError('port', 'must be a port from 1 to 65535');
  const protocol = (params.get('protocol') ?? 'TCP').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocol))
    throw new FieldError('protocol', `must be one of ${PROTOCOLS.join(', ')}`);
  const from = endpointOf(cluster, params.get('from') ?? '', 'from');
  const to = endpointOf(cluster, params.get('to') ?? '', 'to');
  const verdict = evaluate(cluster, from, to, { port, protocol: protocol as Protocol }, { explain: true });
  return { ...verdict, draft: draftAllowingPolicies(verdict, from, to) };
}
