import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { addon, emptyMap } from '../agent/datapath/addon.ts';
import { mapFill, nodeCounters } from '../agent/datapath/introspect.ts';
import { LAYOUT } from '../agent/datapath/layout.ts';
import { nodeDir, podDir } from '../agent/datapath/pins.ts';
import type { PodDatapath } from '../agent/datapath/pod-datapath.ts';
import { TCP_FLAGS, TCP_FRAME_SIZE, type TcpSegment, tcpFrames } from './frames.ts';
import type { PacketStream } from './packet-stream.ts';
import { mean, median, percentile, seededRandom } from './stats.ts';

/** TC_ACT_OK: the program let the packet through. */
const PASS = 0;

/** Per-call figures of one kind of packet, in ns, the kernel's timing of single runs. */
export interface RunTimes {
  readonly medianNs: number;
  readonly meanNs: number;
  readonly p99Ns: number;
}

/** What one program costs per packet with the rules it holds now. */
export interface DirectionCost {
  /** First packets (SYN) of flows conntrack does not know, one run each, from peers spread over the rules. */
  readonly newFlow: RunTimes;
  /** The next packet (ACK) of each of those flows, one run each. */
  readonly established: RunTimes;
  /**
   * The same new flows, then their next packets, each kind as a stream (back to back in one call,
   * as a busy pod's packets come): the kernel's mean ns per packet less the stream's own part,
   * median of the streams.
   */
  readonly newFlowStreamNs: number;
  readonly establishedStreamNs: number;
  /** The stream's own part: mean ns per packet with a program that only lets packets through. */
  readonly streamOwnNs: number;
  /** As many new flows again once the conntrack is full, one run each: each insert makes the LRU evict. */
  readonly newFlowFull: RunTimes;
  /** Of those inserts, how many evicted an entry (the rest took a free one a CPU still held). */
  readonly evictions: number;
  /** One established flow's packet run `repeat` times in the kernel: its mean ns per run. */
  readonly establishedRepeatedNs: number;
}

function runTimes(cells: Buffer, what: string): RunTimes {
  const durations: number[] = [];
  for (let offset = 0; offset < cells.length; offset += 8) {
    durations.push(cells.readUInt32LE(offset));
    const verdict = cells.readUInt32LE(offset + 4);
    if (verdict !== PASS) throw new Error(`${what}: a packet the rules allow got verdict ${verdict}`);
  }
  return { medianNs: median(durations), meanNs: mean(durations), p99Ns: percentile(durations, 99) };
}

/**
 * The floor of timing one run: an empty program, run once per call as the new-flow packets are.
 * Subtracted from single-run figures, it leaves what the program itself costs.
 */
export function floorOfOneRun(count: number): RunTimes {
  const frames = tcpFrames(
    Array.from({ length: count }, (_, i) => ({
      src: '10.0.0.1',
      dst: '10.0.0.2',
      sport: 10000 + i,
      dport: 80,
      flags: TCP_FLAGS.syn,
    })),
  );
  return runTimes(addon().progTestRun('', frames, TCP_FRAME_SIZE, 1), 'the empty program');
}

/** Empties a pod's conntrack, so that each measurement starts from the same state. */
function clearConntrack(datapath: PodDatapath): void {
  const fd = addon().openPinned(`${podDir(datapath.pod.node, datapath.pod.ifname)}/conntrack`);
  try {
    emptyMap(fd, LAYOUT.conntrack_key.size);
  } finally {
    addon().closeFd(fd);
  }
}

export interface CostOptions {
  /** The pod's IP. */
  readonly podIp: string;
  /** Addresses its rules allow on `port` (TCP), in both directions. */
  readonly peers: readonly string[];
  readonly port: number;
  /** New flows per measurement: at most half the conntrack's capacity. */
  readonly flows: number;
  /** Runs of the repeated established packet. */
  readonly repeat: number;
  /** Streams of each kind per figure: their median is the figure. */
  readonly streams: number;
  readonly seed: number;
}

/** The first source port of the measured new flows; the flows that fill the conntrack and those that evict follow. */
const FIRST_PORT = 10000;

/**
 * First packets (SYN) of `count` new flows crossing `direction`, from peers drawn at random from
 * the rules, with source ports from `firstPort` on.
 */
function newFlowSegments(
  direction: 'ingress' | 'egress',
  options: CostOptions,
  count = options.flows,
  firstPort = FIRST_PORT,
): TcpSegment[] {
  if (firstPort + count > 65536)
    throw new Error(`new flows: ${count} from port ${firstPort} run past port 65535`);
  const random = seededRandom(options.seed + firstPort);
  return Array.from({ length: count }, (_, i): TcpSegment => {
    const peer = options.peers[Math.floor(random() * options.peers.length)] ?? '';
    const sport = firstPort + i;
    return direction === 'ingress'
      ? { src: peer, dst: options.podIp, sport, dport: options.port, flags: TCP_FLAGS.syn }
      : { src: options.podIp, dst: peer, sport, dport: options.port, flags: TCP_FLAGS.syn };
  });
}

/**
 * Into an empty conntrack, `timeNew` sends `count` new flows through the pod's program of
 * `direction`, then `timeEstablished` the next packet of each; the node's counters prove what each
 * packet was: every new-flow packet a new allowed flow, every next packet a conntrack hit.
 */
function newThenEstablished<T>(
  datapath: PodDatapath,
  direction: 'ingress' | 'egress',
  count: number,
  timeNew: () => T,
  timeEstablished: () => T,
): { newFlow: T; established: T } {
  const counters = () => nodeCounters(datapath.pod.node);
  clearConntrack(datapath);
  const before = counters();
  const newFlow = timeNew();
  const afterNew = counters();
  const established = timeEstablished();
  const afterEstablished = counters();
  const newFlows = afterNew.allowedFlows - before.allowedFlows;
  const hits = afterEstablished.conntrackHits - afterNew.conntrackHits;
  if (newFlows !== count || hits !== count) {
    throw new Error(
      `${direction}: of ${count} packets each, ${newFlows} were new allowed flows and ${hits} conntrack hits`,
    );
  }
  return { newFlow, established };
}

/**
 * Times a pod's attached program of `direction` with BPF_PROG_TEST_RUN: new-flow packets from
 * peers drawn at random from its rules (so the rule lookup walks the whole table, not one hot
 * path), then the next packet of each of those flows, one run each and then as streams; then one
 * established packet repeated; then as many new flows again into a full conntrack.
 */
export function directionCost(
  datapath: PodDatapath,
  direction: 'ingress' | 'egress',
  options: CostOptions,
  stream: PacketStream,
): DirectionCost {
  const program = `${podDir(datapath.pod.node, datapath.pod.ifname)}/prog_${direction}`;
  const segments = newFlowSegments(direction, options);
  const acks = segments.map((segment) => ({ ...segment, flags: TCP_FLAGS.ack }));
  const oneRunEach = (what: string, packets: TcpSegment[]) => () =>
    runTimes(addon().progTestRun(program, tcpFrames(packets), TCP_FRAME_SIZE, 1), `${direction} ${what}`);
  const { newFlow, established } = newThenEstablished(
    datapath,
    direction,
    options.flows,
    oneRunEach('new flows', segments),
    oneRunEach('established flows', acks),
  );
  const streams = Array.from({ length: options.streams }, () => ({
    ...newThenEstablished(
      datapath,
      direction,
      options.flows,
      () => stream.run(segments, program),
      () => stream.run(acks, program),
    ),
    own: stream.run(segments),
  }));
  const streamOwnNs = median(streams.map((taken) => taken.own));
  const repeated = [0, 1, 2].map((i) =>
    addon()
      .progTestRun(program, tcpFrames(acks.slice(i, i + 1)), TCP_FRAME_SIZE, options.repeat)
      .readUInt32LE(0),
  );
  const full = newFlowsIntoFull(datapath, program, direction, options);
  clearConntrack(datapath);
  return {
    newFlow,
    established,
    newFlowStreamNs: median(streams.map((taken) => taken.newFlow)) - streamOwnNs,
    establishedStreamNs: median(streams.map((taken) => taken.established)) - streamOwnNs,
    streamOwnNs,
    ...full,
    establishedRepeatedNs: median(repeated),
  };
}

/**
 * New flows into a full conntrack, as at a busy pod (closed flows linger there until the LRU
 * evicts them): flows of their own fill the map to its capacity, untimed, then as many new flows
 * as were measured into room are timed. The map's fill before and after tells the evictions.
 */
function newFlowsIntoFull(
  datapath: PodDatapath,
  program: string,
  direction: 'ingress' | 'egress',
  options: CostOptions,
): { newFlowFull: RunTimes; evictions: number } {
  const conntrack = `${podDir(datapath.pod.node, datapath.pod.ifname)}/conntrack`;
  const allowed = () => nodeCounters(datapath.pod.node).allowedFlows;
  const { entries, capacity } = mapFill(conntrack);
  const filling = newFlowSegments(direction, options, capacity - entries, FIRST_PORT + options.flows);
  const run = (segments: TcpSegment[], what: string) =>
    runTimes(addon().progTestRun(program, tcpFrames(segments), TCP_FRAME_SIZE, 1), `${direction} ${what}`);
  run(filling, 'flows filling the conntrack');
  const before = { entries: mapFill(conntrack).entries, allowed: allowed() };
  const segments = newFlowSegments(
    direction,
    options,
    options.flows,
    FIRST_PORT + options.flows + filling.length,
  );
  const newFlowFull = run(segments, 'new flows into the full conntrack');
  const inserted = allowed() - before.allowed;
  if (inserted !== options.flows)
    throw new Error(
      `${direction}: of ${options.flows} new flows into the full conntrack, ${inserted} were allowed flows`,
    );
  return { newFlowFull, evictions: inserted - (mapFill(conntrack).entries - before.entries) };
}

const FLOOR_OBJECT = new URL('load/new-flow-floor.bpf.o', import.meta.url).pathname;
const FLOOR_PINS = '/sys/fs/bpf/palisade-bench-floor';

/**
 * The least a new flow costs here (bench/load/new-flow-floor.bpf.c: read the headers, look the
 * peer up, insert into conntrack, write the record), one run per packet and as streams on the
 * ingress new-flow packets of `options`, as our programs' new flows are timed. The floor program
 * is loaded with its maps replaced by the pod's own (its conntrack, its node's ring buffer, its
 * live ingress rule table), so that it touches the same memory as our programs, and unloaded
 * afterwards.
 */
export function newFlowFloor(
  datapath: PodDatapath,
  options: CostOptions,
  stream: PacketStream,
): { oneRun: RunTimes; streamNs: number } {
  const pod = podDir(datapath.pod.node, datapath.pod.ifname);
  const maps = {
    conntrack: `${pod}/conntrack`,
    events: `${nodeDir(datapath.pod.node)}/events`,
    exact: `${pod}/ingress_exact_${datapath.state().activeSlot}`,
  };
  rmSync(FLOOR_PINS, { recursive: true, force: true });
  execFileSync(
    'bpftool',
    [
      'prog',
      'loadall',
      FLOOR_OBJECT,
      FLOOR_PINS,
      'type',
      'classifier',
      ...Object.entries(maps).flatMap(([name, path]) => ['map', 'name', name, 'pinned', path]),
    ],
    { stdio: 'pipe' },
  );
  try {
    const program = `${FLOOR_PINS}/floor_new_flow`;
    const segments = newFlowSegments('ingress', options);
    clearConntrack(datapath);
    const oneRun = runTimes(
      addon().progTestRun(program, tcpFrames(segments), TCP_FRAME_SIZE, 1),
      'the new-flow floor program',
    );
    const streams = Array.from({ length: options.streams }, () => {
      clearConntrack(datapath);
      return { floor: stream.run(segments, program), own: stream.run(segments) };
    });
    clearConntrack(datapath);
    const streamNs = median(streams.map((taken) => taken.floor)) - median(streams.map((taken) => taken.own));
    return { oneRun, streamNs };
  } finally {
    rmSync(FLOOR_PINS, { recursive: true, force: true });
  }
}
