import { type Enforcement, enforcementWarnings } from '../../server/lab/closed-pod.ts';
import { readAgentReport, readProxyReport } from '../../server/lab/lab-store.ts';
import { deleteFromLab, policyToDelete, requireLab } from '../../server/lab/lab-writes.ts';
import { parseIp } from '../../server/net/ip.ts';
import type { PortProtocol } from '../../server/policy/endpoint.ts';
import {
  listServicePorts,
  parseServiceName,
  portBackends,
  serviceName,
  servicePortAt,
} from '../../server/policy/service.ts';
import { labApply, labDown, labExec, labPod, labProbe, labServices, labUp } from '../lab/lab.ts';
import { parseOptions, parsePortProtocol } from './args.ts';
import { type Output, writeLines } from './output.ts';
import type { GroupUsage } from './usage.ts';
import { UsageError } from './usage-error.ts';

export const LAB_USAGE: GroupUsage = {
  verbs: {
    up: `palisade lab up [--state FILE]… [--strict] [--ipv6] [--simulated] [--kube KUBECONFIG]
                                              build the lab (the walkthrough's pods by default); with
                                              --kube its pods are registered in that cluster and its
                                              agents enforce the cluster's PolicyEndpoints`,
    down: 'palisade lab down                             remove everything the lab made',
    status: 'palisade lab status [--json]',
    apply: `palisade lab apply -f FILE…                    add or replace NetworkPolicies,
                                              ClusterNetworkPolicies, Services and Namespaces`,
    delete: `palisade lab delete NS/NAME|NAME|svc/NS/NAME…  delete NetworkPolicies (NS/NAME),
                                              ClusterNetworkPolicies (NAME) and Services`,
    exec: "palisade lab exec NS/POD -- CMD…               run a command in a pod (with the lab's DNS)",
    probe: `palisade lab probe NS/POD NS/POD|svc/NS/NAME|IP PORT[/PROTO] [--json] [--timeout MS]
                                              real packets: TCP connect or UDP echo (to a
                                              Service: its ClusterIP, on the service port),
                                              given up after MS milliseconds (1000)`,
  },
};

/** `palisade lab …`: the embedded lab, where pods are network namespaces on this machine. */
export async function labCommand(argv: string[], out: Output): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case 'up': {
      const { values } = parseOptions(rest, {
        state: { type: 'string', multiple: true },
        strict: { type: 'boolean' },
        ipv6: { type: 'boolean' },
        simulated: { type: 'boolean' },
        kube: { type: 'string' },
      });
      const lab = await labUp(values.state, {
        strict: values.strict,
        ipv6: values.ipv6,
        simulated: values.simulated,
        kubeconfig: values.kube,
      });
      await writeLines(out, [
        lab.datapath === 'ebpf'
          ? `lab up: ${lab.nodes.length} nodes, ${lab.pods.length} pods${lab.ipv6 ? ' (dual stack, IPv6 first)' : ''}, agents enforcing with eBPF${lab.kubeconfig ? ` the PolicyEndpoints of the cluster in ${lab.kubeconfig}` : ''}`
          : `lab up: ${lab.nodes.length} nodes, ${lab.pods.length} pods, SIMULATED datapath (${lab.simulatedBecause}): verdicts come from the policy model, no packet is enforced`,
      ]);
      return 0;
    }
    case 'down':
      parseOptions(rest, {});
      await labDown();
      await writeLines(out, ['lab down: removed']);
      return 0;
    case 'status':
      return status(rest, out);
    case 'apply': {
      const { values } = parseOptions(rest, { file: { type: 'string', short: 'f', multiple: true } });
      if (!values.file?.length) throw new UsageError('lab apply needs -f FILE');
      const result = await labApply(values.file);
      await writeLines(
        out,
        result.applied.map((name) => `${name} applied`),
      );
      return reportEnforcement(out, result);
    }
    case 'delete': {
      const { positionals } = parseOptions(rest, {}, true);
      if (positionals.length === 0)
        throw new UsageError(
          'lab delete needs NS/NAME of a NetworkPolicy, NAME of a ClusterNetworkPolicy or svc/NS/NAME of a Service',
        );
      const objects = positionals.map((name) => {
        const service = parseServiceName(name);
        return service ? { kind: 'Service' as const, key: service } : policyToDelete(name);
      });
      const result = await deleteFromLab(objects);
      await writeLines(
        out,
        objects.map(({ kind, key }) => `${kind} ${key} deleted`),
      );
      return reportEnforcement(out, result);
    }
    case 'exec': {
      const separator = rest.indexOf('--');
      const [pod] = rest;
      const command = separator >= 0 ? rest.slice(separator + 1) : [];
      if (!pod || separator !== 1 || command.length === 0) throw new UsageError('expected NS/POD -- CMD…');
      labPod(pod);
      return labExec(pod, command);
    }
    case 'probe':
      return probe(rest, out);
    default:
      throw new UsageError(
        verb === undefined
          ? 'missing command; expected up, down, status, apply, delete, exec or probe'
          : `unknown command "lab ${verb}"; expected up, down, status, apply, delete, exec or probe`,
      );
  }
}

/**
 * The lines that end an apply or a delete: whether the agents enforce it, and each pod one of
 * them closed. Exits 1 when an agent has not caught up (the change is stored all the same).
 */
async function reportEnforcement(out: Output, result: { generation: number } & Enforcement): Promise<number> {
  const { generation, pending } = result;
  const state =
    requireLab().datapath === 'ebpf'
      ? `enforced (generation ${generation})`
      : `recorded (generation ${generation}); the datapath is simulated, so nothing is enforced`;
  await writeLines(out, [
    ...(pending ? [] : [state]),
    ...enforcementWarnings(result).map((warning) => `warning: ${warning}`),
  ]);
  return pending ? 1 : 0;
}

async function probe(argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    { json: { type: 'boolean' }, timeout: { type: 'string' } },
    true,
  );
  const [from, to, port] = positionals;
  if (!from || !to || !port || positionals.length > 3) {
    throw new UsageError('expected a source pod, a destination and a port');
  }
  // What can be wrong with the arguments is said before anything asks the lab.
  const target = parsePortProtocol(port, 'port');
  const timeout = Number(values.timeout ?? 1000);
  if (!Number.isInteger(timeout) || timeout < 1)
    throw new UsageError('--timeout: milliseconds, a positive whole number');
  labPod(from);
  const host = parseIp(to) ? to : parseServiceName(to) ? serviceAddress(to, target) : labPod(to).ip;
  const [result] = await labProbe(from, [{ host, port: target.port, protocol: target.protocol }], timeout);
  if (!result) throw new Error('the probe printed nothing');
  await writeLines(out, [
    values.json
      ? JSON.stringify(result)
      : `${from} → ${to} ${target.port}/${target.protocol}: ${result.connected ? 'connected' : 'no answer'} (${result.simulated ? 'simulated: the model’s verdict' : `${result.ms} ms`})`,
  ]);
  return 0;
}

/** The ClusterIP a probe to `svc/NS/NAME` on `target` goes to; bad input names the argument. */
function serviceAddress(name: string, target: PortProtocol): string {
  const service = labServices().service(parseServiceName(name) ?? '');
  if (!service) throw new UsageError(`no Service ${name.slice('svc/'.length)} in the lab`);
  const [clusterIP] = service.clusterIPs;
  if (!clusterIP)
    throw new UsageError(`${name} has no ClusterIP${service.headless ? ' (headless: probe its pods)' : ''}`);
  if (!servicePortAt(service, target)) {
    throw new UsageError(
      `${name} has no port ${target.port}/${target.protocol} (it listens on ${listServicePorts(service)})`,
    );
  }
  return clusterIP;
}

async function status(argv: string[], out: Output): Promise<number> {
  const { values } = parseOptions(argv, { json: { type: 'boolean' } });
  const lab = requireLab();
  const agents = lab.nodes.map((node) => ({ node: node.name, report: readAgentReport(node.name) }));
  const proxy = readProxyReport();
  if (values.json) {
    await writeLines(out, [JSON.stringify({ ...lab, agents, proxy }, null, 2)]);
    return 0;
  }
  const lines = [
    `datapath: ${lab.datapath === 'ebpf' ? 'eBPF' : `SIMULATED (${lab.simulatedBecause}): verdicts from the policy model`}`,
    `nodes: ${lab.nodes.map((node) => node.name).join(', ')}${lab.strict ? ' (strict mode)' : ''}`,
  ];
  for (const { node, report } of agents) {
    lines.push(
      `agent ${node}: ${report ? `pid ${report.pid}, generation ${report.generation}${report.error ? `, error: ${report.error}` : ''}` : 'not reporting'}`,
    );
  }
  if (lab.datapath === 'ebpf') {
    lines.push(
      `service proxy: ${proxy ? `pid ${proxy.pid}, generation ${proxy.generation}, ${proxy.portals} portals${proxy.error ? `, error: ${proxy.error}` : ''}` : 'not reporting'}`,
    );
  }
  for (const pod of lab.pods) {
    const programs = agents.find(({ node }) => node === pod.node)?.report?.pods[pod.key];
    const attached = programs ? `programs ${programs.ingressId}/${programs.egressId}` : 'no programs';
    lines.push(
      `  ${pod.key.padEnd(36)} ${pod.ip.padEnd(14)} ${pod.node.padEnd(12)} ${pod.ifname}  ${attached}`,
    );
  }
  const services = labServices();
  for (const service of services.allServices()) {
    const address = service.headless ? 'headless' : service.clusterIPs.join(',') || 'no ClusterIP';
    const ports = service.ports.map(
      (port) => `${port.port}/${port.protocol}→${portBackends(services, service, port).length} backends`,
    );
    lines.push(`  ${serviceName(service).padEnd(36)} ${address.padEnd(14)} ${ports.join(', ')}`);
  }
  await writeLines(out, lines);
  return 0;
}
