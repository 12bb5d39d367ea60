import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addon } from '../agent/datapath/addon.ts';
import { compilePodRules, identityOf } from '../agent/datapath/compile.ts';
import { mapFill, nodeCounters } from '../agent/datapath/introspect.ts';
import { podDir } from '../agent/datapath/pins.ts';
import { PodDatapath } from '../agent/datapath/pod-datapath.ts';
import { nodeNetns, nodeNetnsPath } from '../agent/lab/names.ts';
import { nodeAddress } from '../agent/lab/topology.ts';
import { decodeObject } from '../server/kube/objects.ts';
import type { PolicyEndpoint } from '../server/kube/policy-endpoint.ts';
import { readLab } from '../server/lab/lab-store.ts';
import { benchLab, onTheLab, replaceAgents } from './bench-lab.ts';
import {
  addedPerConnection,
  attachBothWays,
  type ConnectionSample,
  connectionSample,
  iptablesRules,
  loadEmptyProgram,
  perConnection,
  restoreIptables,
} from './connection-cost.ts';
import { peerAddress } from './frames.ts';
import { profileLive } from './live-profile.ts';
import {
  type DirectionCost,
  directionCost,
  floorOfOneRun,
  newFlowFloor,
  type RunTimes,
} from './packet-cost.ts';
import {
  type LiveProfileFigure,
  type PacketFigures,
  packetChart,
  packetMarkdown,
  type SizeFigures,
  TARGETS,
} from './packet-report.ts';
import { loadPacketStream } from './packet-stream.ts';
import { programStats, withProgramStats } from './program-stats.ts';
import { machine, progress, writeResults } from './report.ts';
import { median, round } from './stats.ts';

/**
 * `npm run bench:packet` (root, eBPF; run under the lab lock): what our programs cost per packet
 * and per connection, with 10 to 1M entries in a pod's rules, in one run:
 * - per packet: BPF_PROG_TEST_RUN on the pod's real ingress and egress programs, loaded and filled
 *   by the agent's code; the kernel times each run;
 * - per connection: new TCP connections between two lab pods with no program, with a TC program
 *   that does nothing, with our programs and with a classic iptables chain of the same entries:
 *   the machine's CPU and the wall time each connection takes, and what each path adds over no
 *   program.
 */
const SIZES = (process.env.BENCH_SIZES ?? '10,1000,10000,100000,1000000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** The ratio target is judged at one size: its rounds are three times as many, so its medians' bounds are narrower. */
const RATIO_ROUNDS = 3 * ROUNDS;
const THREADS = 2;
const PORT = 8080;
/** New flows per measurement: half the conntrack's 16384 entries, so that no insert evicts until the map is filled on purpose. */
const FLOWS = 8192;
const REPEAT = 200_000;
/** Streams of each kind per figure: their median is the figure. */
const STREAMS = 5;
/** The paths of the per-connection comparison: nothing, a TC program that does nothing, ours, iptables. */
const PATHS = ['none', 'empty', 'ebpf', 'iptables'] as const;
type Path = (typeof PATHS)[number];

const folder = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
const load = new URL('load/palisade-load', import.meta.url).pathname;
execFileSync('make', ['-s', '-C', new URL('load', import.meta.url).pathname]);

await onTheLab(20, async (cleanups) => {
  const { server, client } = await benchLab(folder);
  const drain = await replaceAgents();
  cleanups.push(drain.stop);
  const crrServer = spawn(
    'nsenter',
    [`--net=/run/netns/${server.netns}`, load, 'crr-server', String(PORT), '2'],
    {
      stdio: 'ignore',
    },
  );
  cleanups.push(() => crrServer.kill('SIGKILL'));
  // The server pod's programs anew, with rule maps that hold the largest size.
  const serverNode = readLab()?.nodes.find((node) => node.name === server.node);
  const serverPath = new PodDatapath(
    {
      node: server.node,
      netns: nodeNetnsPath(server.node),
      ifname: server.ifname,
      podId: server.podId,
      nodeIPs: serverNode ? [nodeAddress(serverNode)] : [],
    },
    { rulesMaxEntries: Math.max(...SIZES) },
  );
  serverPath.detach();
  serverPath.attach();
  // Each path polices the server pod alone, as the iptables chain does: the client's programs go.
  addon().detachPod(nodeNetnsPath(client.node), client.ifname);
  const serverPins = podDir(server.node, server.ifname);
  const serverIdentity = identityOf(server.key, [server.ip]);
  const programs = [`${serverPins}/prog_ingress`, `${serverPins}/prog_egress`];
  const empty = loadEmptyProgram();
  cleanups.push(empty.unload);
  const stream = loadPacketStream();
  cleanups.push(stream.unload);

  /** A PolicyEndpoint isolating the server both ways with `size` entries each way; the client's is the last. */
  const endpointWith = (peers: readonly string[]) =>
    decodeObject({
      apiVersion: 'networking.k8s.aws/v1alpha1',
      kind: 'PolicyEndpoint',
      metadata: { name: 'bench', namespace: 'bench' },
      spec: {
        policyRef: { name: 'bench', namespace: 'bench' },
        podSelectorEndpoints: [{ podIP: server.ip, hostIP: '', name: 'server', namespace: 'bench' }],
        podIsolation: ['Ingress', 'Egress'],
        ingress: peers.map((cidr) => ({ cidr, ports: [{ protocol: 'TCP', port: PORT }] })),
        egress: peers.map((cidr) => ({ cidr, ports: [{ protocol: 'TCP', port: PORT }] })),
      },
    }) as PolicyEndpoint;

  const optionsFor = (peers: readonly string[], seed: number) => ({
    podIp: server.ip,
    peers,
    port: PORT,
    flows: FLOWS,
    repeat: REPEAT,
    streams: STREAMS,
    seed,
  });
  const costs = (peers: readonly string[], seed: number) => {
    const options = optionsFor(peers, seed);
    return {
      ingress: directionCost(serverPath, 'ingress', options, stream),
      egress: directionCost(serverPath, 'egress', options, stream),
    };
  };

  // Paths of the per-connection comparison: what is attached, what iptables holds.
  let iptablesSize = -1;
  const setIptables = (size: number) => {
    if (size === iptablesSize) return;
    restoreIptables(nodeNetns(server.node), iptablesRules(size, server.ifname, client.ip, PORT));
    iptablesSize = size;
  };
  const detach = () => addon().detachPod(nodeNetnsPath(server.node), server.ifname);
  const attach = () => serverPath.attach();
  const attachEmpty = () => attachBothWays(empty.pin, nodeNetnsPath(server.node), server.ifname);
  const sample = () => connectionSample(load, client.netns, { ip: server.ip, port: PORT }, SECONDS, THREADS);
  // The programs' own time, as the kernel counts it, in runs of their own (the counting costs a little).
  const timed = (pins: readonly string[]) =>
    withProgramStats(() => {
      const before = pins.map(programStats);
      const run = sample();
      const after = pins.map(programStats);
      const ns = after.reduce((sum, stats, i) => sum + stats.runTimeNs - (before[i]?.runTimeNs ?? 0), 0);
      const runs = after.reduce((sum, stats, i) => sum + stats.runCount - (before[i]?.runCount ?? 0), 0);
      return {
        nsPerConnection: ns / Math.max(run.connections, 1),
        runsPerConnection: runs / Math.max(run.connections, 1),
      };
    });

  progress('warming up');
  setIptables(0);
  sample();
  const peersOf = (size: number) => [
    ...Array.from({ length: size - 1 }, (_, i) => peerAddress(i)),
    client.ip,
  ];
  /** Compiles rules with `peers` each way and makes them live on the server pod. */
  const programPeers = async (peers: readonly string[]) => {
    const compileStart = performance.now();
    const rules = compilePodRules(serverIdentity, [endpointWith(peers)]);
    const compileMs = performance.now() - compileStart;
    attach();
    const programStart = performance.now();
    await serverPath.program(rules);
    return { compileMs: round(compileMs), programMs: round(performance.now() - programStart) };
  };

  // Per packet, every size in turn before any connection runs, so that the sizes whose figures are
  // set against each other are measured close in time, not minutes of connections apart.
  const perPacketBySize = new Map<number, Omit<SizeFigures, 'perConnection'>>();
  for (const size of SIZES) {
    progress(`${size} entries each way: compiling and programming the server pod`);
    const peers = peersOf(size);
    const programmed = await programPeers(peers);
    progress(
      `${size} entries: per packet, ${FLOWS} new flows each way, then their next packets, then as many into a full conntrack, then the new-flow floor`,
    );
    const floorNs = floorOfOneRun(FLOWS).medianNs;
    const spread = costs(peers, size);
    const onePeer = costs([client.ip], size);
    // Peers of its own (another seed), so that our programs' lookups did not warm its own.
    const floor = newFlowFloor(serverPath, optionsFor(peers, size + 1), stream);
    perPacketBySize.set(size, {
      entries: size,
      ...programmed,
      floorNs,
      perPacket: {
        spread: rounded(spread),
        onePeer: rounded(onePeer),
        newFlowFloor: roundedTimes(floor.oneRun),
        newFlowFloorStreamNs: floor.streamNs,
      },
    });
  }
  progress('new flows where the direction is not isolated: no rule lookup, conntrack and the event only');
  await serverPath.program(compilePodRules(serverIdentity, []));
  const withoutLookup = { floorNs: floorOfOneRun(FLOWS).medianNs, ...rounded(costs([client.ip], 1)) };

  const sizes: SizeFigures[] = [];
  let liveProfile: LiveProfileFigure | undefined;
  for (const size of SIZES) {
    progress(`${size} entries each way: programming the server pod again, for the connections`);
    await programPeers(peersOf(size));
    const roundsHere = size === TARGETS.ratioAtEntries ? RATIO_ROUNDS : ROUNDS;
    progress(
      `${size} entries: ${roundsHere} rounds of no program, an empty program, eBPF and iptables, ${SECONDS} s each`,
    );
    const rounds: Record<Path, ConnectionSample>[] = [];
    for (let round = 0; round < roundsHere; round++) {
      const taken: Partial<Record<Path, ConnectionSample>> = {};
      // Each round starts one path further on, so that no path is always the first.
      for (let i = 0; i < PATHS.length; i++) {
        const path = PATHS[(round + i) % PATHS.length] ?? 'none';
        if (path === 'ebpf') attach();
        else if (path === 'empty') attachEmpty();
        else detach();
        setIptables(path === 'iptables' ? size : 0);
        taken[path] = sample();
      }
      rounds.push(taken as Record<Path, ConnectionSample>);
    }
    setIptables(0);
    attachEmpty();
    const emptyTimed = timed([empty.pin]);
    attach();
    const ebpfTimed = timed(programs);
    if (size === TARGETS.ratioAtEntries) {
      progress(`${size} entries: where our programs' time goes in live connections (perf record)`);
      const conntrack = `${serverPins}/conntrack`;
      const counted = () => nodeCounters(server.node);
      const before = { entries: mapFill(conntrack).entries, ...counted() };
      const profile = await profileLive(sample);
      const after = { ...mapFill(conntrack), ...counted() };
      liveProfile = {
        entries: size,
        samples: profile.samples,
        inPrograms: profile.inPrograms,
        parts: profile.parts.map(({ part, share }) => ({ part, share: round(share, 3) })),
        conntrack: {
          capacity: after.capacity,
          inserted: after.allowedFlows - before.allowedFlows,
          reused: after.reusedTuples - before.reusedTuples,
          entriesBefore: before.entries,
          entriesAfter: after.entries,
        },
      };
    }
    const perPath = (path: Path) => {
      const each = rounds.map((taken) => perConnection(taken[path]));
      return {
        cpuUs: round(median(each.map((figure) => figure.cpuUs))),
        wallUs: round(median(each.map((figure) => figure.wallUs))),
        connectionsPerSecond: round(
          median(rounds.map((taken) => taken[path].connections / taken[path].seconds)),
        ),
        errors: rounds.reduce((sum, taken) => sum + taken[path].errors, 0),
      };
    };
    const added = (path: Exclude<Path, 'none'>) => {
      const figure = addedPerConnection(rounds.map((taken) => ({ none: taken.none, path: taken[path] })));
      return {
        cpuUs: round(figure.cpuUs),
        wallUs: round(figure.wallUs),
        cpuUsInterval: {
          low: round(figure.cpuUsInterval.low),
          high: round(figure.cpuUsInterval.high),
          confidence: round(figure.cpuUsInterval.confidence, 3),
        },
      };
    };
    const perPacket = perPacketBySize.get(size);
    if (!perPacket) throw new Error(`no per-packet figures for ${size} entries`);
    sizes.push({
      ...perPacket,
      perConnection: {
        none: perPath('none'),
        empty: perPath('empty'),
        ebpf: perPath('ebpf'),
        iptables: perPath('iptables'),
        addedByEmpty: added('empty'),
        addedByEbpf: added('ebpf'),
        addedByIptables: added('iptables'),
        emptyProgramNs: round(emptyTimed.nsPerConnection),
        ebpfProgramsNs: round(ebpfTimed.nsPerConnection),
        ebpfProgramRuns: round(ebpfTimed.runsPerConnection, 1),
      },
    });
  }

  const eventsDrained = Object.values(await drain.stop()).reduce((sum, n) => sum + n, 0);

  const figures: PacketFigures = {
    machine: machine(),
    flows: FLOWS,
    repeat: REPEAT,
    streams: STREAMS,
    seconds: SECONDS,
    rounds: ROUNDS,
    ratioRounds: RATIO_ROUNDS,
    threads: THREADS,
    programs: {
      ingress: programStats(`${serverPins}/prog_ingress`),
      egress: programStats(`${serverPins}/prog_egress`),
    },
    withoutLookup,
    sizes,
    liveProfile,
    eventsDrained,
  };
  writeResults('packet', figures, packetChart(figures), packetMarkdown(figures));
  progress('results in bench/results/packet.{json,md,svg} and the README');
});

function roundedTimes(times: RunTimes): RunTimes {
  return { medianNs: times.medianNs, meanNs: round(times.meanNs), p99Ns: times.p99Ns };
}

function rounded(cost: { ingress: DirectionCost; egress: DirectionCost }) {
  const direction = (d: DirectionCost) => ({
    newFlow: roundedTimes(d.newFlow),
    established: roundedTimes(d.established),
    newFlowStreamNs: d.newFlowStreamNs,
    establishedStreamNs: d.establishedStreamNs,
    streamOwnNs: d.streamOwnNs,
    newFlowFull: roundedTimes(d.newFlowFull),
    evictions: d.evictions,
    establishedRepeatedNs: d.establishedRepeatedNs,
  });
  return { ingress: direction(cost.ingress), egress: direction(cost.egress) };
}
