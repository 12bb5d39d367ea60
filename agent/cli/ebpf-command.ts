import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, watchFile } from 'node:fs';
import type { Flow } from '../../server/flows/flow.ts';
import { decodeFrames } from '../../server/flows/flow-frame.ts';
import { type FlowNames, ServiceFlowNamer } from '../../server/flows/service-flows.ts';
import { readAgentReport } from '../../server/lab/lab-store.ts';
import { requireLab } from '../../server/lab/lab-writes.ts';
import {
  datapathOf,
  formatRange,
  type LiveRange,
  liveFlows,
  liveRules,
  mapEntries,
  mapFill,
  modeName,
  nodeCounters,
  programInfo,
  protocolName,
} from '../datapath/introspect.ts';
import { kernelCounts } from '../datapath/map-counts.ts';
import { nodeDir, podDir } from '../datapath/pins.ts';
import { flowFileOf } from '../flow-sink.ts';
import { labPod, labServices } from '../lab/lab.ts';
import { parseOptions } from './args.ts';
import { formatFlow } from './format-flow.ts';
import { type Output, writeLines } from './output.ts';
import type { GroupUsage } from './usage.ts';
import { UsageError } from './usage-error.ts';

export const EBPF_USAGE: GroupUsage = {
  verbs: {
    progs: 'palisade ebpf progs [--json]                  programs attached per pod',
    maps: 'palisade ebpf maps [--json]                   maps per pod and node, with fill and counters',
    dump: "palisade ebpf dump NS/POD [--json]            a pod's live rules (CIDR, ports, policy) and flows",
    flows: `palisade ebpf flows [--follow] [--json]       flow verdicts from the ring buffer with the tier
                                              and policy that decided each, named by the pod
                                              or Service (and backend) at the other end`,
  },
};

/** `palisade ebpf …`: what the kernel enforces on this machine's (lab) nodes, readable. */
export async function ebpfCommand(argv: string[], out: Output): Promise<number> {
  const [verb, ...rest] = argv;
  // The command and its arguments are checked first: a typo is a usage error whether a lab is up or not.
  switch (verb) {
    case 'progs':
      return progs(rest, out);
    case 'maps':
      return maps(rest, out);
    case 'dump':
      return dump(rest, out);
    case 'flows':
      return flows(rest, out);
    default:
      throw new UsageError(
        verb === undefined
          ? 'missing command; expected progs, maps, dump or flows'
          : `unknown command "ebpf ${verb}"; expected progs, maps, dump or flows`,
      );
  }
}

/** The lab, when its datapath is eBPF: what every `palisade ebpf` command reads. */
function ebpfLab() {
  const lab = requireLab();
  if (lab.datapath !== 'ebpf')
    throw new Error(`no eBPF datapath here: the lab is simulated (${lab.simulatedBecause})`);
  return lab;
}

async function progs(argv: string[], out: Output): Promise<number> {
  const { values } = parseOptions(argv, { json: { type: 'boolean' } });
  const lab = ebpfLab();
  const rows = lab.pods.map((pod) => {
    const attached = readAgentReport(pod.node)?.pods[pod.key];
    return {
      pod: pod.key,
      node: pod.node,
      interface: pod.ifname,
      ingress: programInfo(attached?.ingressId ?? 0),
      egress: programInfo(attached?.egressId ?? 0),
    };
  });
  if (values.json) {
    await writeLines(out, [JSON.stringify(rows, null, 2)]);
    return 0;
  }
  const lines = [
    'POD                                  NODE         INTERFACE     DIRECTION  PROG ID  NAME               TAG               JITED  LOADED',
  ];
  for (const row of rows) {
    for (const [direction, info] of [
      ['ingress', row.ingress],
      ['egress', row.egress],
    ] as const) {
      lines.push(
        `${row.pod.padEnd(36)} ${row.node.padEnd(12)} ${row.interface.padEnd(13)} ${direction.padEnd(10)} ${String(info?.id ?? '-').padEnd(8)} ${(info?.name ?? 'not attached').padEnd(18)} ${(info?.tag ?? '').padEnd(17)} ${String(info?.bytesJited ?? '').padEnd(6)} ${info?.loadedAt ?? ''}`,
      );
    }
  }
  await writeLines(out, lines);
  return 0;
}

async function maps(argv: string[], out: Output): Promise<number> {
  const { values } = parseOptions(argv, { json: { type: 'boolean' } });
  const lab = ebpfLab();
  const nodes = lab.nodes.map((node) => ({
    node: node.name,
    pinned: nodeDir(node.name),
    counters: nodeCounters(node.name),
  }));
  const counts = kernelCounts();
  const pods = lab.pods.map((pod) => {
    const state = datapathOf(pod).state();
    const dir = podDir(pod.node, pod.ifname);
    const conntrack = mapFill(`${dir}/conntrack`, counts);
    return {
      pod: pod.key,
      pinned: dir,
      ingressMode: modeName(state.ingressMode),
      egressMode: modeName(state.egressMode),
      activeSlot: state.activeSlot,
      // Whole addresses in the exact (hash) map, shorter prefixes in the trie.
      ingressExact: mapEntries(`${dir}/ingress_exact_${state.activeSlot}`, counts),
      ingressPrefixes: mapEntries(`${dir}/ingress_rules_${state.activeSlot}`, counts),
      egressExact: mapEntries(`${dir}/egress_exact_${state.activeSlot}`, counts),
      egressPrefixes: mapEntries(`${dir}/egress_rules_${state.activeSlot}`, counts),
      conntrack: conntrack.entries,
      conntrackCapacity: conntrack.capacity,
    };
  });
  if (values.json) {
    await writeLines(out, [JSON.stringify({ nodes, pods }, null, 2)]);
    return 0;
  }
  const lines = nodes.map(
    ({ node, pinned, counters }) =>
      `node ${node} (${pinned}): lost events ${counters.lostEvents}, flows allowed ${counters.allowedFlows}, packets denied ${counters.deniedPackets}, conntrack hits ${counters.conntrackHits}, packets from or to the node ${counters.nodePackets}, tuples reused ${counters.reusedTuples}`,
  );
  lines.push(
    '',
    'POD                                  INGRESS     EGRESS      SLOT  INGRESS RULES (EXACT+PREFIX)  EGRESS RULES (EXACT+PREFIX)  CONNTRACK',
  );
  for (const pod of pods) {
    lines.push(
      `${pod.pod.padEnd(36)} ${pod.ingressMode.padEnd(11)} ${pod.egressMode.padEnd(11)} ${String(pod.activeSlot).padEnd(5)} ${`${pod.ingressExact}+${pod.ingressPrefixes}`.padEnd(29)} ${`${pod.egressExact}+${pod.egressPrefixes}`.padEnd(28)} ${pod.conntrack}/${pod.conntrackCapacity}`,
    );
  }
  await writeLines(out, lines);
  return 0;
}

async function dump(argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseOptions(argv, { json: { type: 'boolean' } }, true);
  const [key] = positionals;
  if (!key || positionals.length !== 1) throw new UsageError('expected one NS/POD');
  ebpfLab();
  const pod = labPod(key);
  const state = datapathOf(pod).state();
  const result = {
    pod: pod.key,
    ip: pod.ip,
    interface: pod.ifname,
    ingress: { mode: modeName(state.ingressMode), rules: liveRules(pod, 'ingress') },
    egress: { mode: modeName(state.egressMode), rules: liveRules(pod, 'egress') },
    flows: liveFlows(pod),
  };
  if (values.json) {
    await writeLines(out, [JSON.stringify(result, null, 2)]);
    return 0;
  }
  const lines = [`${result.pod} ${result.ip} on ${pod.node} (${pod.ifname}), live slot ${state.activeSlot}`];
  for (const direction of ['ingress', 'egress'] as const) {
    const side = result[direction];
    const open = side.mode === 'enforce-open';
    lines.push(
      `${direction}: ${side.mode}${side.mode === 'enforce' && side.rules.length === 0 ? ' (nothing allowed)' : ''}${open ? ' (what no rule decides passes)' : ''}`,
    );
    for (const rule of side.rules) {
      const ports =
        rule.ports.length === 0
          ? open
            ? 'nothing decided'
            : 'nothing (excepted)'
          : rule.ports.map(describeRange).join(', ');
      lines.push(`  ${rule.cidr.padEnd(20)} ${rule.map.padEnd(6)} ${ports}`);
    }
  }
  lines.push(`flows let through: ${result.flows.length}`);
  for (const flow of result.flows) {
    lines.push(
      `  ${flow.direction.padEnd(8)} ${flow.src}:${flow.sport} → ${flow.dst}:${flow.dport} ${protocolName(flow.protocol)} ${flow.state}`,
    );
  }
  await writeLines(out, lines);
  return 0;
}

/** `tcp:80 (shop/web)` for a NetworkPolicy's range; `tcp:80 deny (Admin admin-deny)` for a cluster tier's. */
function describeRange(range: LiveRange): string {
  if (range.tier === 'NetworkPolicy') return `${formatRange(range)} (${range.policy})`;
  return `${formatRange(range)} ${range.action} (${range.tier} ${range.policy})`;
}

const byTime = (a: Flow, b: Flow) => a.time - b.time;

async function flows(argv: string[], out: Output): Promise<number> {
  const { values } = parseOptions(argv, {
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
  });
  const lab = ebpfLab();
  const files = lab.nodes.map((node) => flowFileOf(node.name));
  const json = values.json === true;
  const cluster = labServices();
  // Both nodes' sides of a connection through a Service are here: each names the other.
  const namer = new ServiceFlowNamer<Flow>();
  /** A file's flows as far as its frames can be read; past a broken one, a warning says so. */
  const readable = (file: string, bytes: Buffer) => {
    const read = decodeFrames(bytes);
    if (read.error)
      process.stderr.write(`palisade: ${file}: ${read.error}; the flows after it are skipped\n`);
    return read;
  };
  const recorded = files
    .filter((file) => existsSync(file))
    .flatMap((file) => readable(file, readFileSync(file)).flows)
    .sort(byTime);
  const named = [
    ...namer.settle(namer.name(cluster, recorded), 0).publish,
    ...namer.due(Number.POSITIVE_INFINITY),
  ].sort(byTime);
  await writeLines(
    out,
    named.map((flow) => formatFlow(flow, json)),
  );
  if (!values.follow) return 0;
  const print = (flows: readonly (Flow & FlowNames)[]) =>
    void writeLines(
      out,
      flows.map((flow) => formatFlow(flow, json)),
    );
  setInterval(() => print(namer.due()), 200);
  // Follow: print what the agents append from now on, until interrupted.
  const offsets = new Map(files.map((file) => [file, existsSync(file) ? statSync(file).size : 0]));
  for (const file of files) {
    watchFile(file, { interval: 200 }, (current) => {
      const from = offsets.get(file) ?? 0;
      if (current.size < from) offsets.set(file, 0);
      if (current.size <= from) return;
      // Whole frames only: one being written is read again, complete, next time.
      const bytes = Buffer.alloc(current.size - from);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, bytes, 0, bytes.length, from);
      } finally {
        closeSync(fd);
      }
      const { flows: fresh, end, error } = readable(file, bytes);
      offsets.set(file, error ? current.size : from + end);
      print(namer.settle(namer.name(cluster, fresh)).publish);
    });
  }
  await new Promise(() => {});
  return 0;
}
