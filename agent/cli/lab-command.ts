import { readAgentReport } from '../../server/lab/lab-store.ts';
import { deletePoliciesFromLab, requireLab } from '../../server/lab/lab-writes.ts';
import { parseIp } from '../../server/net/ip.ts';
import { labApply, labDown, labExec, labPod, labProbe, labUp } from '../lab/lab.ts';
import { parseOptions, parsePortProtocol } from './args.ts';
import { type Output, writeLines } from './output.ts';
import { UsageError } from './usage-error.ts';

export const LAB_USAGE = `palisade lab up [--state FILE]… [--strict] [--ipv6] [--simulated] [--kube KUBECONFIG]
                                              build the lab (the walkthrough's pods by default); with
                                              --kube its pods are registered in that cluster and its
                                              agents enforce the cluster's PolicyEndpoints
palisade lab down                             remove everything the lab made
palisade lab status [--json]
palisade lab apply -f FILE…                    add or replace NetworkPolicies and Namespaces
palisade lab delete NS/NAME…                   delete NetworkPolicies
palisade lab exec NS/POD -- CMD…               run a command in a pod (with the lab's DNS)
palisade lab probe NS/POD NS/POD|IP PORT[/PROTO] [--json]   real packets: TCP connect or UDP echo`;

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
      const { applied, generation } = await labApply(values.file);
      await writeLines(out, [...applied.map((name) => `${name} applied`), enforcedLine(generation)]);
      return 0;
    }
    case 'delete': {
      const { positionals } = parseOptions(rest, {}, true);
      if (positionals.length === 0) throw new UsageError('lab delete needs NS/NAME of a NetworkPolicy');
      const generation = await deletePoliciesFromLab(positionals);
      await writeLines(out, [
        ...positionals.map((key) => `NetworkPolicy ${key} deleted`),
        enforcedLine(generation),
      ]);
      return 0;
    }
    case 'exec': {
      const separator = rest.indexOf('--');
      const [pod] = rest;
      const command = separator >= 0 ? rest.slice(separator + 1) : [];
      if (!pod || separator !== 1 || command.length === 0)
        throw new UsageError('usage: palisade lab exec NS/POD -- CMD…');
      labPod(pod);
      return labExec(pod, command);
    }
    case 'probe':
      return probe(rest, out);
    default:
      throw new UsageError(
        `unknown command "lab ${verb ?? ''}"; expected up, down, status, apply, delete, exec or probe`,
      );
  }
}

function enforcedLine(generation: number): string {
  return requireLab().datapath === 'ebpf'
    ? `enforced (generation ${generation})`
    : `recorded (generation ${generation}); the datapath is simulated, so nothing is enforced`;
}

async function probe(argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    { json: { type: 'boolean' }, timeout: { type: 'string' } },
    true,
  );
  const [from, to, port] = positionals;
  if (!from || !to || !port || positionals.length > 3) {
    throw new UsageError('usage: palisade lab probe NS/POD NS/POD|IP PORT[/PROTO] [--json]');
  }
  labPod(from);
  const host = parseIp(to) ? to : labPod(to).ip;
  const target = parsePortProtocol(port, 'port');
  const timeout = Number(values.timeout ?? 1000);
  if (!Number.isInteger(timeout) || timeout < 1)
    throw new UsageError('--timeout: milliseconds, a positive whole number');
  const [result] = await labProbe(from, [{ host, port: target.port, protocol: target.protocol }], timeout);
  if (!result) throw new Error('the probe printed nothing');
  await writeLines(out, [
    values.json
      ? JSON.stringify(result)
      : `${from} → ${to} ${target.port}/${target.protocol}: ${result.connected ? 'connected' : 'no answer'} (${result.simulated ? 'simulated: the model’s verdict' : `${result.ms} ms`})`,
  ]);
  return 0;
}

async function status(argv: string[], out: Output): Promise<number> {
  const { values } = parseOptions(argv, { json: { type: 'boolean' } });
  const lab = requireLab();
  const agents = lab.nodes.map((node) => ({ node: node.name, report: readAgentReport(node.name) }));
  if (values.json) {
    await writeLines(out, [JSON.stringify({ ...lab, agents }, null, 2)]);
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
  for (const pod of lab.pods) {
    const programs = agents.find(({ node }) => node === pod.node)?.report?.pods[pod.key];
    const attached = programs ? `programs ${programs.ingressId}/${programs.egressId}` : 'no programs';
    lines.push(
      `  ${pod.key.padEnd(36)} ${pod.ip.padEnd(14)} ${pod.node.padEnd(12)} ${pod.ifname}  ${attached}`,
    );
  }
  await writeLines(out, lines);
  return 0;
}
