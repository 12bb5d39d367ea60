import { dump } from 'js-yaml';
import { EndpointsIndex } from '../../server/controller/endpoints-index.ts';
import { keyOf } from '../../server/kube/object-meta.ts';
import type { Pod } from '../../server/kube/pod.ts';
import { loadState } from '../../server/kube/state-file.ts';
import type { Cluster } from '../../server/policy/cluster.ts';
import { defaultPorts } from '../../server/policy/default-ports.ts';
import {
  destinationEnd,
  type Endpoint,
  endpointAt,
  formatPortProtocol,
  type PortProtocol,
  podEnd,
} from '../../server/policy/endpoint.ts';
import { evaluate } from '../../server/policy/evaluate.ts';
import { evaluateService } from '../../server/policy/evaluate-service.ts';
import { computeMatrix } from '../../server/policy/matrix.ts';
import {
  listServicePorts,
  parseServiceName,
  serviceName,
  servicePortAt,
} from '../../server/policy/service.ts';
import { parseOptions, parsePortList, parsePortProtocol, required } from './args.ts';
import { formatServiceVerdict, formatVerdict } from './format-verdict.ts';
import { type Output, writeLines } from './output.ts';
import type { GroupUsage } from './usage.ts';
import { UsageError } from './usage-error.ts';

export const POLICY_USAGE: GroupUsage = {
  verbs: {
    matrix: 'palisade policy matrix --state FILE [--ports 80/TCP,81/UDP] [--json]',
    eval: 'palisade policy eval --state FILE --from NS/POD --to NS/POD|svc/NS/NAME|IP --port N[/PROTO] [--json]',
    endpoints: 'palisade policy endpoints --state FILE [--json]',
  },
  notes: '  --state may be repeated, and may name a folder of YAML files.',
};

/** `palisade policy …`: answers from the policy model, offline, over a state file. */
export async function policyCommand(argv: string[], out: Output): Promise<void> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case 'matrix':
      return matrixCommand(rest, out);
    case 'eval':
      return evalCommand(rest, out);
    case 'endpoints':
      return endpointsCommand(rest, out);
    default:
      throw new UsageError(
        verb === undefined
          ? 'missing command; expected matrix, eval or endpoints'
          : `unknown command "policy ${verb}"; expected matrix, eval or endpoints`,
      );
  }
}

async function matrixCommand(argv: string[], out: Output): Promise<void> {
  const { values } = parseOptions(argv, {
    state: { type: 'string', multiple: true },
    ports: { type: 'string' },
    json: { type: 'boolean' },
  });
  const cluster = loadState(required(values.state, 'state'));
  const ports = values.ports !== undefined ? parsePortList(values.ports, 'ports') : defaultPorts(cluster);
  const matrix = computeMatrix(cluster, ports);
  const pods = cluster.allPods();
  if (values.json) {
    await writeLines(out, jsonMatrixLines(pods, ports, matrix));
  } else {
    await writeLines(out, textMatrixLines(pods, ports, matrix));
  }
}

function* jsonMatrixLines(
  pods: Pod[],
  ports: readonly PortProtocol[],
  matrix: ReturnType<typeof computeMatrix>,
) {
  yield `{"ports":${JSON.stringify(ports.map(formatPortProtocol))},"verdicts":[`;
  let first = true;
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      for (const [i, target] of ports.entries()) {
        const cell = matrix.verdict(from, to, i);
        const line = JSON.stringify({
          from: keyOf(from.metadata),
          to: keyOf(to.metadata),
          port: target.port,
          protocol: target.protocol,
          allowed: cell.allowed,
          egress: { allowed: cell.egress.allowed, tier: cell.egress.tier, policies: cell.egress.policies },
          ingress: {
            allowed: cell.ingress.allowed,
            tier: cell.ingress.tier,
            policies: cell.ingress.policies,
          },
        });
        yield first ? line : `,${line}`;
        first = false;
      }
    }
  }
  yield ']}';
}

/** One grid per port: rows are sources, columns destinations; `.` allowed, `X` denied. */
function* textMatrixLines(
  pods: Pod[],
  ports: readonly PortProtocol[],
  matrix: ReturnType<typeof computeMatrix>,
) {
  const names = pods.map((pod) => keyOf(pod.metadata));
  const width = Math.max(4, ...names.map((name) => name.length));
  for (const [i, target] of ports.entries()) {
    yield `${formatPortProtocol(target)}  (rows: from, columns: to; . allowed, X denied)`;
    yield `${' '.repeat(width)}  ${names.map((_, j) => String(j + 1).padStart(3)).join('')}`;
    for (const [r, from] of pods.entries()) {
      const cells = pods.map((to) =>
        from === to ? '  -' : matrix.verdict(from, to, i).allowed ? '  .' : '  X',
      );
      yield `${names[r]?.padEnd(width)}${String(r + 1).padStart(2)}${cells.join('')}`;
    }
    yield '';
  }
}

async function evalCommand(argv: string[], out: Output): Promise<void> {
  const { values } = parseOptions(argv, {
    state: { type: 'string', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    port: { type: 'string' },
    json: { type: 'boolean' },
  });
  const cluster = loadState(required(values.state, 'state'));
  const from = resolveEndpoint(cluster, required(values.from, 'from'), 'from', false);
  const toText = required(values.to, 'to');
  const target = parsePortProtocol(required(values.port, 'port'), 'port');
  const service = serviceOf(cluster, toText);
  if (service) {
    // Through a ClusterIP: the port is the service port, as a client connects to it.
    const servicePort = servicePortAt(service, target);
    if (!servicePort) {
      throw new UsageError(
        `--port: ${serviceName(service)} has no port ${target.port}/${target.protocol} (it listens on ${listServicePorts(service)})`,
      );
    }
    const clusterIP = service.clusterIPs.includes(toText) ? toText : undefined;
    const verdict = evaluateService(cluster, from, service, servicePort, { explain: true, clusterIP });
    await writeLines(out, values.json ? [JSON.stringify(verdict, null, 2)] : formatServiceVerdict(verdict));
    return;
  }
  const named = resolveEndpoint(cluster, toText, 'to', true);
  // A pod named by name is reached in a family both pods have; toward an address, the source
  // speaks that address's family.
  const to =
    named.pod && !endpointAt(cluster, toText) && from.pod
      ? destinationEnd(cluster, named.pod, from.pod)
      : named;
  const source = from.pod ? podEnd(cluster, from.pod, to) : from;
  const verdict = evaluate(cluster, source, to, target, { explain: true });
  await writeLines(out, values.json ? [JSON.stringify(verdict, null, 2)] : formatVerdict(verdict));
}

/** The Service `--to` names (`svc/NS/NAME`, or one of its ClusterIPs), if it names one. */
function serviceOf(cluster: Cluster, text: string) {
  const key = parseServiceName(text);
  const service = key ? cluster.service(key) : cluster.serviceByIp(text);
  if (key && !service) throw new UsageError(`--to: no Service ${key} in the state`);
  if (service && service.clusterIPs.length === 0) {
    throw new UsageError(
      `--to: ${serviceName(service)} has no ClusterIP (${service.headless ? 'headless: its name resolves to its pods, so ask about a pod' : 'none allocated in the state'})`,
    );
  }
  return service;
}

/** `ns/pod` names a pod of the state; with `allowIp`, an address (a pod's own IP finds the pod). */
function resolveEndpoint(cluster: Cluster, text: string, flag: string, allowIp: boolean): Endpoint {
  const atAddress = allowIp ? endpointAt(cluster, text) : undefined;
  if (atAddress) return atAddress;
  if (!/^[^/\s]+\/[^/\s]+$/.test(text)) {
    throw new UsageError(
      `--${flag}: expected NS/POD${allowIp ? ' or an IP address' : ''}, got ${JSON.stringify(text)}`,
    );
  }
  const pod = cluster.pod(text);
  if (!pod) throw new UsageError(`--${flag}: no pod ${text} in the state`);
  return { pod, ip: cluster.ipOf(pod) };
}

async function endpointsCommand(argv: string[], out: Output): Promise<void> {
  const { values } = parseOptions(argv, {
    state: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  const cluster = loadState(required(values.state, 'state'));
  const index = new EndpointsIndex(cluster);
  const endpoints = [...index.all(), ...index.allCluster()];
  if (values.json) {
    await writeLines(out, [JSON.stringify({ apiVersion: 'v1', kind: 'List', items: endpoints }, null, 2)]);
  } else {
    await writeLines(
      out,
      endpoints.map(
        (endpoint, i) =>
          `${i > 0 ? '---\n' : ''}${dump(endpoint, { noRefs: true, skipInvalid: true }).trimEnd()}`,
      ),
    );
  }
}
