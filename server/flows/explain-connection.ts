import { queryOf } from '../http/query.ts';
import { FieldError } from '../kube/field-error.ts';
import { PROTOCOLS, type Protocol } from '../kube/protocol.ts';
import type { Service } from '../kube/service.ts';
import { parseIp } from '../net/ip.ts';
import type { Cluster } from '../policy/cluster.ts';
import { draftAllowingPolicies, draftThroughService } from '../policy/draft-policy.ts';
import { destinationEnd, type Endpoint, endpointAt, podEnd } from '../policy/endpoint.ts';
import { evaluate, type Verdict } from '../policy/evaluate.ts';
import { evaluateService, type ServiceVerdict, serviceAsVerdict } from '../policy/evaluate-service.ts';
import { listServicePorts, parseServiceName, serviceName, servicePortAt } from '../policy/service.ts';

/** An end named as `ns/pod` or an IP address (a pod's IP finds the pod). */
function endpointOf(cluster: Cluster, text: string, field: string): Endpoint {
  const atAddress = endpointAt(cluster, text);
  if (atAddress) return atAddress;
  const pod = cluster.pod(text);
  if (!pod) throw new FieldError(field, `no pod ${JSON.stringify(text)} and not an IP address`);
  return { pod, ip: cluster.ipOf(pod) };
}

/** The Service `to` names (`svc/ns/name`, or one of its ClusterIPs), if it names one. */
function serviceOf(cluster: Cluster, text: string): Service | undefined {
  const key = parseServiceName(text);
  const service = key ? cluster.service(key) : cluster.serviceByIp(text);
  if (key && !service) throw new FieldError('to', `no Service ${key}`);
  if (service && service.clusterIPs.length === 0)
    throw new FieldError('to', `${serviceName(service)} has no ClusterIP: ask about its pods`);
  return service;
}

/** What `GET /api/explain` asks about: two ends, a port and its protocol, and a Service's backend to show. */
export interface ExplainQuery {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly backend?: string;
}

/** Reads an explain query from URL parameters; a bad value is an error naming the parameter. */
export function parseExplainQuery(params: URLSearchParams): ExplainQuery {
  const query = queryOf(params);
  const from = query.required('from', 'ns/pod or an IP address');
  const to = query.required('to', 'ns/pod, svc/ns/name or an IP address');
  const port = query.number('port', 1, 65535, true);
  if (port === undefined) throw new FieldError('port', 'is required (a port from 1 to 65535)');
  const protocol = (query.text('protocol') ?? 'TCP').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocol))
    throw new FieldError('protocol', `must be one of ${PROTOCOLS.join(', ')}`);
  return { from, to, port, protocol: protocol as Protocol, backend: query.text('backend') };
}

/**
 * Why a connection is allowed or denied (the flows page's detail and the graph's edges ask this),
 * with a draft of the policies that would allow it when it is denied. To a Service (`svc/ns/name`
 * or a ClusterIP, the port being the service port) the verdict is the Service's, shown at
 * `backend` (`ns/pod`) when given, and the whole service verdict comes along as `service`.
 */
export function explainConnection(
  cluster: Cluster,
  { from: fromText, to: toText, port, protocol, backend }: ExplainQuery,
): Verdict & { draft: string; service?: ServiceVerdict } {
  const target = { port, protocol };
  const from = endpointOf(cluster, fromText, 'from');
  const service = serviceOf(cluster, toText);
  if (service) {
    const servicePort = servicePortAt(service, target);
    if (!servicePort) {
      throw new FieldError(
        'port',
        `${serviceName(service)} has no port ${port}/${protocol} (it listens on ${listServicePorts(service)})`,
      );
    }
    const clusterIP = service.clusterIPs.includes(toText) ? toText : undefined;
    const verdict = evaluateService(cluster, from, service, servicePort, { explain: true, clusterIP });
    if (backend !== undefined && !verdict.backends.some((one) => one.pod === backend))
      throw new FieldError(
        'backend',
        `${backend} is not a backend of ${serviceName(service)} on port ${port}/${protocol} (its backends: ${verdict.backends.map((one) => one.pod).join(', ') || 'none'})`,
      );
    return {
      ...serviceAsVerdict(verdict, backend),
      draft: draftThroughService(cluster, verdict, from, service, servicePort),
    };
  }
  const named = endpointOf(cluster, toText, 'to');
  // A packet's two addresses are of one family: a pod named by name takes that of the end given by address.
  const byAddress = (text: string) => parseIp(text) !== undefined;
  const fromPod = byAddress(fromText) ? undefined : from.pod;
  let to = named;
  if (named.pod && !byAddress(toText))
    to = fromPod ? destinationEnd(cluster, named.pod, fromPod) : podEnd(cluster, named.pod, from);
  const source = fromPod ? podEnd(cluster, fromPod, to) : from;
  const verdict = evaluate(cluster, source, to, target, { explain: true });
  return { ...verdict, draft: draftAllowingPolicies(verdict, source, to) };
}
