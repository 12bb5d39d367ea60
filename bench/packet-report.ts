import { LAYOUT, RULE_SET_INDEX_SIZE } from '../agent/datapath/layout.ts';
import type { ProgramStats } from './program-stats.ts';
import type { machine } from './report.ts';
import { round } from './stats.ts';
import { LINE_COLOURS, lineChart, stackCharts } from './svg-chart.ts';

/** Single-run times of one kind of packet, as the kernel timed them (ns). */
export interface RunTimesFigure {
  readonly medianNs: number;
  readonly meanNs: number;
  readonly p99Ns: number;
}

export interface DirectionFigure {
  readonly newFlow: RunTimesFigure;
  readonly established: RunTimesFigure;
  /** The same packets as streams, back to back in one call: mean ns per packet less the stream's own part. */
  readonly newFlowStreamNs: number;
  readonly establishedStreamNs: number;
  /** The stream's own part (mean ns per packet), taken off the two above. */
  readonly streamOwnNs: number;
  /** As many new flows again into the full conntrack, where inserts make the LRU evict. */
  readonly newFlowFull: RunTimesFigure;
  /** Of those inserts, how many evicted an entry. */
  readonly evictions: number;
  readonly establishedRepeatedNs: number;
}

export interface BothDirections {
  readonly ingress: DirectionFigure;
  readonly egress: DirectionFigure;
}

/** One path of the per-connection comparison: medians over the rounds. */
export interface PathFigure {
  readonly cpuUs: number;
  readonly wallUs: number;
  readonly connectionsPerSecond: number;
  readonly errors: number;
}

export interface AddedFigure {
  readonly cpuUs: number;
  readonly wallUs: number;
  /** Where the median CPU difference lies, with the confidence that it does (from the rounds). */
  readonly cpuUsInterval: { readonly low: number; readonly high: number; readonly confidence: number };
}

export interface SizeFigures {
  readonly entries: number;
  readonly compileMs: number;
  readonly programMs: number;
  /** The median single run of an empty program: what timing one run costs. */
  readonly floorNs: number;
  readonly perPacket: {
    readonly spread: BothDirections;
    readonly onePeer: BothDirections;
    /** The floor program (bench/load/new-flow-floor.bpf.c) on the spread ingress new flows. */
    readonly newFlowFloor: RunTimesFigure;
    /** The floor program on the same packets as streams, as our programs' streams. */
    readonly newFlowFloorStreamNs: number;
  };
  readonly perConnection: {
    readonly none: PathFigure;
    /** A TC program that does nothing (bench/load/pass.bpf.c), attached where ours go. */
    readonly empty: PathFigure;
    readonly ebpf: PathFigure;
    readonly iptables: PathFigure;
    readonly addedByEmpty: AddedFigure;
    readonly addedByEbpf: AddedFigure;
    readonly addedByIptables: AddedFigure;
    /** The empty program's own run time per connection, both hooks, as the kernel counts it. */
    readonly emptyProgramNs: number;
    /** Our two programs' own run time per connection, as the kernel counts it (bpf_stats). */
    readonly ebpfProgramsNs: number;
    readonly ebpfProgramRuns: number;
  };
}

/** Where our programs' time goes in live connections at one size (bench/live-profile.ts). */
export interface LiveProfileFigure {
  readonly entries: number;
  readonly samples: number;
  readonly inPrograms: number;
  readonly parts: readonly { readonly part: string; readonly share: number }[];
  /**
   * The server pod's conntrack in the profiled run: its capacity, the flows started, how many of
   * them on a tuple already there (written over its entry), its entries before and after.
   */
  readonly conntrack: {
    readonly capacity: number;
    readonly inserted: number;
    readonly reused: number;
    readonly entriesBefore: number;
    readonly entriesAfter: number;
  };
}

export interface PacketFigures {
  readonly machine: ReturnType<typeof machine>;
  readonly flows: number;
  readonly repeat: number;
  /** Streams of each kind per stream figure, whose median it is. */
  readonly streams: number;
  readonly seconds: number;
  readonly rounds: number;
  /** Rounds at the ratio's size (TARGETS.ratioAtEntries). */
  readonly ratioRounds: number;
  readonly threads: number;
  readonly programs: { readonly ingress: ProgramStats; readonly egress: ProgramStats };
  /** New flows where the direction is not isolated: conntrack and the event, no rule lookup. */
  readonly withoutLookup: BothDirections & { readonly floorNs: number };
  readonly sizes: readonly SizeFigures[];
  /** Absent when the run did not measure the ratio's size. */
  readonly liveProfile?: LiveProfileFigure;
  /** Flow events the benchmark took from the ring buffers in the agents' place. */
  readonly eventsDrained: number;
}

/** sizeof(struct rule_value): what each rule entry holds besides its key. */
const RULE_VALUE_BYTES = LAYOUT.rule_value.size;
const EXACT_KEY_BYTES = LAYOUT.exact_key.size;

export const TARGETS = {
  newFlowNs: 200,
  newFlowAtEntries: 100_000,
  growth: 1.5,
  ratio: 10,
  ratioAtEntries: 10_000,
};

/** What a program run costs beyond timing it: the median single run minus the floor. */
export const programNs = (times: RunTimesFigure, floorNs: number) => Math.max(0, times.medianNs - floorNs);
/** The floor program's new flow at a size, as programNs. */
const floorNs = (size: SizeFigures) => programNs(size.perPacket.newFlowFloor, size.floorNs);
/**
 * Our programs' own time per connection in µs, as the kernel counts it, less what the counting
 * itself costs (an empty program's count: two clock reads a run), as the per-packet figures are
 * taken net of the floor of timing one run.
 */
const ownUs = (c: SizeFigures['perConnection']) =>
  round(Math.max(0, c.ebpfProgramsNs - c.emptyProgramNs) / 1000, 2);

export interface PacketTargets {
  readonly newFlow: {
    readonly ingressNs?: number;
    readonly egressNs?: number;
    /** The least a new flow costs on this machine: the floor program's time. */
    readonly floorNs?: number;
    readonly met?: boolean;
  };
  readonly growth: {
    readonly ingress?: number;
    readonly egress?: number;
    /** The floor program's growth over the same sizes. */
    readonly floor?: number;
    readonly met?: boolean;
  };
  /** The same two targets' figures read off the streams (shown beside them, not judged: see streamLine). */
  readonly streams: {
    readonly ingressNs?: number;
    readonly egressNs?: number;
    readonly growthIngress?: number;
    readonly growthEgress?: number;
    readonly growthFloor?: number;
  };
  readonly ratio: {
    /** iptables' added CPU per connection over eBPF's; absent when eBPF's is not above no program's. */
    readonly cpu?: number;
    readonly wall?: number;
    /** iptables' added CPU over our programs' own time per connection (ownUs). */
    readonly programs?: number;
    /** The least the rounds allow (leastRatio): what the target is judged on. */
    readonly least?: number;
    readonly met?: boolean;
  };
}

const bySize = (figures: PacketFigures, entries: number) =>
  figures.sizes.find((size) => size.entries === entries);
const ratioOf = (numerator: number, denominator: number) =>
  denominator > 0 ? round(numerator / denominator, 1) : undefined;
/** What eBPF adds per connection at the most the rounds allow: its median's upper bound, never below the CPU our programs take. */
const ebpfMostUs = (c: SizeFigures['perConnection']) => Math.max(c.addedByEbpf.cpuUsInterval.high, ownUs(c));
/**
 * The least iptables-over-eBPF ratio the rounds allow: iptables' median's lower bound over what eBPF adds
 * at the most. The added CPU of either is the small difference of two large figures on a shared
 * machine, so a ratio of medians alone could meet the target by the noise of one run.
 */
const leastRatio = (c: SizeFigures['perConnection']) =>
  ratioOf(c.addedByIptables.cpuUsInterval.low, ebpfMostUs(c));

/** Each target against the figures; a figure is absent when the run did not measure that size. */
export function packetTargets(figures: PacketFigures): PacketTargets {
  const at100k = bySize(figures, TARGETS.newFlowAtEntries);
  const newFlow = (size: SizeFigures | undefined, direction: 'ingress' | 'egress') =>
    size && programNs(size.perPacket.spread[direction].newFlow, size.floorNs);
  const floor = (size: SizeFigures | undefined) => size && floorNs(size);
  const ingressNs = newFlow(at100k, 'ingress');
  const egressNs = newFlow(at100k, 'egress');
  const smallest = figures.sizes[0];
  const largest = figures.sizes.at(-1);
  const growthOf = (ns: (size: SizeFigures | undefined) => number | undefined) => {
    const from = ns(smallest);
    const to = ns(largest);
    return smallest !== largest && from !== undefined && to !== undefined ? ratioOf(to, from) : undefined;
  };
  const growth = {
    ingress: growthOf((size) => newFlow(size, 'ingress')),
    egress: growthOf((size) => newFlow(size, 'egress')),
  };
  const streamNs = (size: SizeFigures | undefined, direction: 'ingress' | 'egress') =>
    size?.perPacket.spread[direction].newFlowStreamNs;
  const at10k = bySize(figures, TARGETS.ratioAtEntries)?.perConnection;
  const cpu = at10k && ratioOf(at10k.addedByIptables.cpuUs, at10k.addedByEbpf.cpuUs);
  const least = at10k && leastRatio(at10k);
  return {
    newFlow: {
      ingressNs,
      egressNs,
      floorNs: floor(at100k),
      met:
        ingressNs === undefined || egressNs === undefined
          ? undefined
          : Math.max(ingressNs, egressNs) <= TARGETS.newFlowNs,
    },
    growth: {
      ...growth,
      floor: growthOf(floor),
      met:
        growth.ingress === undefined || growth.egress === undefined
          ? undefined
          : Math.max(growth.ingress, growth.egress) <= TARGETS.growth,
    },
    streams: {
      ingressNs: streamNs(at100k, 'ingress'),
      egressNs: streamNs(at100k, 'egress'),
      growthIngress: growthOf((size) => streamNs(size, 'ingress')),
      growthEgress: growthOf((size) => streamNs(size, 'egress')),
      growthFloor: growthOf((size) => size?.perPacket.newFlowFloorStreamNs),
    },
    ratio: {
      cpu,
      wall: at10k && ratioOf(at10k.addedByIptables.wallUs, at10k.addedByEbpf.wallUs),
      programs: at10k && ratioOf(at10k.addedByIptables.cpuUs, ownUs(at10k)),
      least,
      met: least === undefined ? undefined : least >= TARGETS.ratio,
    },
  };
}

const count = (value: number) => value.toLocaleString('en');
/** A ratio of two added times in the table; none when either is not above no program's. */
const ratioCell = (iptables: number, ebpf: number) =>
  (iptables > 0 ? ratioOf(iptables, ebpf) : undefined) ?? '–';
/** How sure the medians' bounds at the ratio's size are, as a percentage (it depends on the number of rounds alone). */
const confidence = (figures: PacketFigures) => {
  const sure = bySize(figures, TARGETS.ratioAtEntries)?.perConnection.addedByEbpf.cpuUsInterval.confidence;
  return sure === undefined ? '–' : `${round(sure * 100, 1)}%`;
};
const verdict = (met: boolean | undefined) =>
  met === undefined ? 'not measured in this run' : met ? '**met**' : '**missed**';
/** A ratio in the findings, or why there is none: eBPF added nothing this machine could tell from no program. */
const times = (ratio: number | undefined, what: string) =>
  ratio === undefined
    ? `not resolvable ${what} (eBPF's added time is within the noise)`
    : `${ratio}x ${what}`;
const entriesLabel = (entries: number) =>
  entries >= 1_000_000 ? `${entries / 1_000_000}M` : entries >= 1000 ? `${entries / 1000}k` : String(entries);

/**
 * What having any TC program on the veth costs a connection at the ratio's size: the empty
 * program's added CPU, and the ratio that even it would reach against iptables.
 */
function emptyProgramPart(at10k: SizeFigures['perConnection']): string {
  const empty = at10k.addedByEmpty.cpuUs;
  const own = `the kernel counts ${round(at10k.emptyProgramNs / 1000, 2)} µs in it, what the counting itself costs, taken off our programs' count`;
  if (empty <= 0)
    return `a TC program that does nothing, attached where ours go, adds no CPU this run could tell from no program (${own})`;
  const ceiling = ratioOf(at10k.addedByIptables.cpuUs, empty) ?? 0;
  return ceiling < TARGETS.ratio
    ? `a TC program that does nothing, attached where ours go, adds ${empty} µs per connection (${own}), so even it stays below the target against iptables here (${ceiling}x)`
    : `a TC program that does nothing, attached where ours go, adds ${empty} µs per connection (${own}), ${ceiling}x less than iptables, and ours ${round(at10k.addedByEbpf.cpuUs - empty, 2)} µs more than it`;
}

/**
 * Why the CPU ratio can miss while the kernel's own count of our programs meets it: eBPF's added
 * CPU is the small difference of two large per-connection figures, and the run shows how much it
 * moves against the programs' own time.
 */
function ratioNoise(figures: PacketFigures, programsRatio: number): string {
  const added = figures.sizes.map((size) => size.perConnection.addedByEbpf.cpuUs);
  const own = figures.sizes.map((size) => round(ownUs(size.perConnection), 1));
  const at10k = bySize(figures, TARGETS.ratioAtEntries)?.perConnection;
  if (!at10k) return '';
  return `- Why the CPU ratio target is missed in this run: eBPF's added CPU per connection is the difference of two figures of about ${round(at10k.none.cpuUs, 0)} µs (a whole connection with no program, at ${count(TARGETS.ratioAtEntries)} entries), and across the sizes it ranges from ${Math.min(...added)} to ${Math.max(...added)} µs in this run, while our programs' own time per connection as the kernel counts it (net of the counting's cost) stays between ${Math.min(...own)} and ${Math.max(...own)} µs: on this loaded machine the added figure is mostly noise. Against the kernel's count, iptables adds ${programsRatio}x (target ${TARGETS.ratio}x); ${emptyProgramPart(at10k)}.`;
}

/**
 * Why the ratio is missed when even our programs' own time is too close: iptables' cost per rule
 * at the target's size, ours flat across sizes, what an empty program costs, and the first size
 * where the ratio is reached at the least the rounds allow.
 */
function ratioShort(figures: PacketFigures): string {
  const at10k = bySize(figures, TARGETS.ratioAtEntries)?.perConnection;
  if (!at10k) return '';
  const own = figures.sizes.map((size) => round(ownUs(size.perConnection), 1));
  const ebpf = at10k.addedByEbpf.cpuUsInterval;
  const reached = figures.sizes.find(
    (size) => size.entries > TARGETS.ratioAtEntries && (leastRatio(size.perConnection) ?? 0) >= TARGETS.ratio,
  );
  return `- Why the ratio target is missed in this run: at ${count(TARGETS.ratioAtEntries)} entries iptables adds ${at10k.addedByIptables.cpuUs} µs per connection (at least ${at10k.addedByIptables.cpuUsInterval.low} µs) and eBPF ${at10k.addedByEbpf.cpuUs} µs (between ${ebpf.low} and ${ebpf.high} µs), while our programs alone take ${ownUs(at10k)} µs of CPU per connection (the kernel's count, net of the counting's cost), so iptables would have to add ${round(TARGETS.ratio * ebpfMostUs(at10k), 1)} µs; iptables' added time grows with its entries (${round((at10k.addedByIptables.cpuUs * 1000) / TARGETS.ratioAtEntries, 1)} ns per entry here, its fixed costs included), while our programs' own time per connection stays between ${Math.min(...own)} and ${Math.max(...own)} µs at every size; ${emptyProgramPart(at10k)}; ${reached ? `the ratio is reached at ${count(reached.entries)} entries (${leastRatio(reached.perConnection)}x at the least)` : 'no larger size of this run reaches the ratio'}.`;
}

/** Where our programs' time goes in live connections, and how full the conntrack they inserted into was. */
function liveProfileLine(profile: LiveProfileFigure): string {
  const parts = profile.parts.map(({ part, share }) => `${part} ${Math.round(share * 100)}%`).join(', ');
  const { capacity, inserted, reused, entriesBefore, entriesAfter } = profile.conntrack;
  return `- Where our programs' time goes in live connections, at ${count(profile.entries)} entries (a \`perf record\` profile of the whole machine during one run, ${count(profile.inPrograms)} of its ${count(profile.samples)} samples in our programs, each counted for the kernel function the program had called, or for its own instructions): ${parts}. In that run our programs started ${count(inserted)} flows in the server pod's conntrack, ${count(reused)} of them on a tuple it still held (the client's ports come round again), written over that entry where it is, the others into entries of their own; it held ${count(entriesBefore)} of its ${count(capacity)} entries before and ${count(entriesAfter)} after (into a full map, the LRU evicts to make room).`;
}

/** Why the new-flow target is missed: whether even the floor program is above it here, and how far ours is from the floor. */
function newFlowWhy(targets: PacketTargets): string {
  const { floorNs, ingressNs } = targets.newFlow;
  if (floorNs === undefined || ingressNs === undefined) return '';
  const fromFloor =
    ingressNs > floorNs
      ? `ours (ingress, as the floor) costs ${ingressNs} ns, ${ratioOf(ingressNs, floorNs) ?? '–'}x the floor; what it does beyond the floor is the parsing of every family and protocol, the pod's state, the conntrack lookup before the insert, the rule set's port ranges and the counters`
      : `ours (ingress, as the floor) costs ${ingressNs} ns, no more than the floor in this run (the two are within the run's noise)`;
  return floorNs > TARGETS.newFlowNs
    ? `- Why the new-flow target is missed: the floor program alone costs ${floorNs} ns at ${count(TARGETS.newFlowAtEntries)} entries, above the target's ${TARGETS.newFlowNs} ns: on this machine, looking the peer up, remembering the flow and reporting it on these maps already costs more than the target; ${fromFloor}.`
    : `- Why the new-flow target is missed: the floor program costs ${floorNs} ns at ${count(TARGETS.newFlowAtEntries)} entries, within the target, so the target is within this machine's reach; ${fromFloor}.`;
}

/**
 * The new-flow and growth targets read off the streams. They are judged on single runs, the
 * measure the targets were set in; a stream has no timing floor to take off (one clock read per
 * call, not per packet) and keeps the caches as a busy pod's packets leave them, so it tells
 * whether the single runs' verdicts hold without that subtraction.
 */
function streamLine(targets: PacketTargets, first: SizeFigures, largest: SizeFigures): string {
  const { ingressNs, egressNs, growthIngress, growthEgress, growthFloor } = targets.streams;
  const within = (value: number, bound: number) => (value <= bound ? 'within' : 'above');
  const parts = [
    ...(ingressNs === undefined || egressNs === undefined
      ? []
      : [
          `a new flow costs ${ingressNs} ns ingress and ${egressNs} ns egress at ${count(TARGETS.newFlowAtEntries)} entries (${within(Math.max(ingressNs, egressNs), TARGETS.newFlowNs)} the ${TARGETS.newFlowNs} ns)`,
        ]),
    ...(growthIngress === undefined || growthEgress === undefined
      ? []
      : [
          `it grows ${growthIngress}x ingress and ${growthEgress}x egress from ${count(first.entries)} to ${count(largest.entries)} entries (${within(Math.max(growthIngress, growthEgress), TARGETS.growth)} the ${TARGETS.growth}x; the floor program's stream ${growthFloor ?? '–'}x)`,
        ]),
  ];
  return parts.length === 0
    ? ''
    : `- The same new flows as streams (the streams' table): ${parts.join(', ')}. The targets are judged on the single runs, the measure they were set in; the streams read them without a timing floor to take off.`;
}

/** How many of the inserts into the full conntrack evicted an entry, over every size and direction. */
function evictionsText(figures: PacketFigures): string {
  const evictions = figures.sizes.flatMap((size) =>
    (['ingress', 'egress'] as const).map((direction) => size.perPacket.spread[direction].evictions),
  );
  const least = Math.min(...evictions);
  return least === figures.flows
    ? `each of the ${count(figures.flows)} inserts evicted an entry, at every size, by the map's fill`
    : `by the map's fill, at least ${count(least)} of the ${count(figures.flows)} inserts evicted an entry at every size; the others took free entries another CPU's list still held`;
}

/** The README's table and findings, every figure from `figures`. */
export function packetMarkdown(figures: PacketFigures): string {
  const targets = packetTargets(figures);
  const { machine } = figures;
  const rows = figures.sizes.map((size) => {
    const { spread, onePeer } = size.perPacket;
    const net = (times: RunTimesFigure) => programNs(times, size.floorNs);
    return `| ${count(size.entries)} | ${net(spread.ingress.newFlow)} / ${net(spread.egress.newFlow)} | ${net(spread.ingress.newFlowFull)} / ${net(spread.egress.newFlowFull)} | ${net(onePeer.ingress.newFlow)} / ${net(onePeer.egress.newFlow)} | ${floorNs(size)} | ${net(spread.ingress.established)} / ${net(spread.egress.established)} | ${spread.ingress.establishedRepeatedNs} / ${spread.egress.establishedRepeatedNs} | ${size.programMs} |`;
  });
  const streamRows = figures.sizes.map((size) => {
    const { ingress, egress } = size.perPacket.spread;
    return `| ${count(size.entries)} | ${ingress.newFlowStreamNs} / ${egress.newFlowStreamNs} | ${size.perPacket.newFlowFloorStreamNs} | ${ingress.establishedStreamNs} / ${egress.establishedStreamNs} | ${ingress.streamOwnNs} / ${egress.streamOwnNs} |`;
  });
  const connectionRows = figures.sizes.map((size) => {
    const c = size.perConnection;
    const perSecond = (path: PathFigure) => count(Math.round(path.connectionsPerSecond));
    return `| ${count(size.entries)} | ${c.none.cpuUs} / ${c.none.wallUs} | ${c.addedByEmpty.cpuUs} / ${c.addedByEmpty.wallUs} | ${c.addedByEbpf.cpuUs} / ${c.addedByEbpf.wallUs} | ${c.addedByIptables.cpuUs} / ${c.addedByIptables.wallUs} | ${ratioCell(c.addedByIptables.cpuUs, c.addedByEbpf.cpuUs)} / ${ratioCell(c.addedByIptables.wallUs, c.addedByEbpf.wallUs)} | ${c.emptyProgramNs} / ${c.ebpfProgramsNs} (${c.ebpfProgramRuns} runs) | ${perSecond(c.none)} / ${perSecond(c.empty)} / ${perSecond(c.ebpf)} / ${perSecond(c.iptables)} |`;
  });
  const first = figures.sizes[0];
  const lookup = figures.withoutLookup;
  const noLookupNs = (direction: 'ingress' | 'egress') =>
    programNs(lookup[direction].newFlow, lookup.floorNs);
  const largest = figures.sizes.at(-1);
  const net = (size: SizeFigures, peers: 'spread' | 'onePeer') =>
    programNs(size.perPacket[peers].ingress.newFlow, size.floorNs);
  const onePeerGrowth =
    first && largest && first !== largest
      ? ratioOf(net(largest, 'onePeer'), net(first, 'onePeer'))
      : undefined;
  const established = (size: SizeFigures) =>
    programNs(size.perPacket.spread.ingress.established, size.floorNs);
  const full = (size: SizeFigures) => programNs(size.perPacket.spread.ingress.newFlowFull, size.floorNs);
  const why =
    first && largest
      ? [
          `- Where a new flow's time goes (ingress): an established packet (parsing, the pod's state, one conntrack lookup, the counters) ${established(first)} ns with ${count(first.entries)} entries and ${established(largest)} ns with ${count(largest.entries)}; a new flow with the direction not isolated, so no rule lookup, ${noLookupNs('ingress')} ns, so the insert into the LRU conntrack and the flow event add about ${noLookupNs('ingress') - established(first)} ns. Once the conntrack is full, as at a busy pod where closed flows linger until the LRU evicts them, a new flow costs ${full(first)} ns with ${count(first.entries)} entries and ${full(largest)} ns with ${count(largest.entries)}: making room adds ${full(first) - net(first, 'spread')} and ${full(largest) - net(largest, 'spread')} ns. The rule lookup: from ${count(first.entries)} to ${count(largest.entries)} entries a new flow goes from ${net(first, 'onePeer')} to ${net(largest, 'onePeer')} ns when every flow comes from one peer (${onePeerGrowth ?? '–'}x) and from ${net(first, 'spread')} to ${net(largest, 'spread')} ns from peers spread over the rules. The programs have ${figures.programs.ingress.instructions} (ingress) and ${figures.programs.egress.instructions} (egress) instructions after verification; this machine's kernel offers no hardware counters, so \`bpftool prog profile\` cannot count cycles or cache misses here.`,
          ...(targets.growth.met === false && onePeerGrowth !== undefined && onePeerGrowth <= TARGETS.growth
            ? [
                `- Why the growth target is missed: a peer's rules are one probe of the exact-match hash map at any size (whole addresses; the trie holds only shorter prefixes), and from one peer the lookup stays flat (${onePeerGrowth}x). What still grows is memory: with peers spread over a large table, the probe's hash bucket (the bucket array is sized by the maps' capacity, here ${count(largest.entries)} at every size) and the entry (its ${EXACT_KEY_BYTES}-byte key and the ${RULE_SET_INDEX_SIZE}-byte index of its rule set) are memory the previous packet did not warm (cache and TLB misses, which this kernel offers no counters to count); the ${RULE_VALUE_BYTES}-byte rule set itself is stored once for every entry with the same rules (here all), so it stays warm.`,
              ]
            : []),
          ...(targets.newFlow.met === false ? [newFlowWhy(targets)] : []),
          ...(figures.liveProfile ? [liveProfileLine(figures.liveProfile)] : []),
          ...(targets.ratio.met === false
            ? [
                targets.ratio.programs !== undefined && targets.ratio.programs >= TARGETS.ratio
                  ? ratioNoise(figures, targets.ratio.programs)
                  : ratioShort(figures),
              ]
            : []),
        ].join('\n')
      : '';
  return `
![per-packet benchmark](bench/results/packet.svg)

Per packet, on ${machine.cores} cores (${machine.cpu}), ${machine.date.slice(0, 10)}: \`BPF_PROG_TEST_RUN\` on the server pod's real ingress and egress programs, loaded and filled by the agent's code, its rules isolating it both ways with N entries each way (one /32 and one TCP port each, so in the exact-match hash map; rule maps sized for ${count(figures.sizes.at(-1)?.entries ?? 0)} entries at every N). Every N in turn, before any connection runs (so that the sizes set against each other are measured close in time): ${count(figures.flows)} new flows each way (SYN) from peers drawn at random from the rules, then the next packet (ACK) of each, then as many new flows again once other flows have filled the pod's conntrack, so that the LRU evicts to make room (${evictionsText(figures)}), one run per packet; the kernel's time of a run minus the floor of timing one (an empty program timed the same way, ${first?.floorNs ?? '–'} ns), median. The node's counters confirm every SYN was a new allowed flow and every ACK a conntrack hit. The floor program (\`bench/load/new-flow-floor.bpf.c\`) does only what a new flow cannot do without: it reads the headers straight from the packet, looks the peer up in the pod's live rule table, inserts the flow into the pod's conntrack and writes one record to the node's ring buffer, on the same maps as our programs (loaded with the pod's pinned maps), timed the same way on as many ingress SYNs, from peers drawn from the same rules with another seed (so that our programs' lookups did not warm its own).

| entries each way | new flow, ns (ingress / egress) | new flow, conntrack full | new flow from one peer | least a new flow costs here (floor program) | established | established, one packet repeated ${count(figures.repeat)} times (kernel's mean) | programming, ms |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

The same packets as streams: one \`BPF_PROG_TEST_RUN\` call runs the program on all ${count(figures.flows)} new flows back to back, one after another as a busy pod's packets come, then another call on their next packets (\`bench/load/flow-stream.bpf.c\` writes each run's flow into the packet and tail-calls the program); the kernel's mean ns per packet less the stream's own part (the same stream into a program that only lets packets through), median of ${figures.streams} streams each, every one into an emptied conntrack and checked by the node's counters as the single runs.

| entries each way | new flow, stream, ns (ingress / egress) | floor program, stream | established, stream | the stream's own part |
|---|---|---|---|---|
${streamRows.join('\n')}

Per connection, the same run: new TCP connections between the two lab pods (connect, request, answer, close; ${figures.threads} client threads), ${figures.rounds} rounds of ${figures.seconds} s for each path in turn (${figures.ratioRounds} at ${count(TARGETS.ratioAtEntries)} entries, where the ratio is judged); machine CPU-µs (from /proc/stat, all cores, without steal) and wall µs per connection, medians; "added" is each round's difference to no program, median. Each path polices the server pod alone. Empty: a TC program that lets every packet through (\`bench/load/pass.bpf.c\`), on both hooks of the server pod's veth, where ours go: what having any TC program there costs. eBPF: our two programs on the server pod's veth, with the same entries each way, and the flow events they make taken from the ring buffers as an agent takes them (${count(figures.eventsDrained)} over the whole run, the per-packet runs' included), whose CPU counts in eBPF's. iptables: legacy, a chain on the server's node for traffic to the pod, with the established rule first and one rule per entry (the client's last).

| entries | no program: CPU-µs / wall µs | empty TC program adds | eBPF adds | iptables adds | iptables ÷ eBPF (CPU / wall) | own time per connection, ns (kernel count): empty / ours | connections/s: none / empty / eBPF / iptables |
|---|---|---|---|---|---|---|---|
${connectionRows.join('\n')}

- New-flow packet at ${count(TARGETS.newFlowAtEntries)} entries: ${targets.newFlow.ingressNs ?? '–'} ns ingress, ${targets.newFlow.egressNs ?? '–'} ns egress (target ≤ ${TARGETS.newFlowNs} ns): ${verdict(targets.newFlow.met)}.
- Growth of the new-flow packet from ${first ? count(first.entries) : '–'} to ${count(figures.sizes.at(-1)?.entries ?? 0)} entries: ${targets.growth.ingress ?? '–'}x ingress, ${targets.growth.egress ?? '–'}x egress (target ≤ ${TARGETS.growth}x): ${verdict(targets.growth.met)}. The floor program grows ${targets.growth.floor ?? '–'}x over the same sizes (its one lookup is all of it that depends on the table's size).
- Added time per connection at ${count(TARGETS.ratioAtEntries)} entries, iptables over eBPF: ${times(targets.ratio.cpu, 'in CPU')}, ${times(targets.ratio.wall, 'in wall time')} (medians of the rounds); ${times(targets.ratio.least, 'in CPU at the least the rounds allow')} (the lower bound of iptables' median over the larger of the upper bound of eBPF's and our programs' own time, bounds that hold each median with ${confidence(figures)} confidence by the rounds' order); ${times(targets.ratio.programs, "against our programs' own time as the kernel counts it (net of the counting's cost)")} (target ≥ ${TARGETS.ratio}x, judged at the least): ${verdict(targets.ratio.met)}.
${first && largest ? streamLine(targets, first, largest) : ''}
${why}
`;
}

/** New-flow and established ns per packet against entries, and the per-connection added CPU of both paths. */
export function packetChart(figures: PacketFigures): string {
  const labels = figures.sizes.map((size) => entriesLabel(size.entries));
  const net = (pick: (size: SizeFigures) => RunTimesFigure) =>
    figures.sizes.map((size) => programNs(pick(size), size.floorNs));
  const perPacket = lineChart(
    'Our programs per packet (BPF_PROG_TEST_RUN) against entries each way',
    'ns per packet',
    labels,
    [
      {
        label: 'new flow, ingress',
        values: net((size) => size.perPacket.spread.ingress.newFlow),
        colour: LINE_COLOURS.ours,
      },
      {
        label: 'new flow, egress',
        values: net((size) => size.perPacket.spread.egress.newFlow),
        colour: LINE_COLOURS.ours,
        dashed: true,
      },
      {
        label: 'new flow, ingress, stream',
        values: figures.sizes.map((size) => size.perPacket.spread.ingress.newFlowStreamNs),
        colour: LINE_COLOURS.oursSecondary,
        dashed: true,
      },
      {
        label: 'established, ingress',
        values: net((size) => size.perPacket.spread.ingress.established),
        colour: LINE_COLOURS.oursSecondary,
      },
      {
        label: 'new flow, floor program',
        values: figures.sizes.map(floorNs),
        colour: LINE_COLOURS.alternative,
        dashed: true,
      },
    ],
    { value: TARGETS.newFlowNs, label: `target: new flow ≤ ${TARGETS.newFlowNs} ns` },
  );
  const perConnection = lineChart(
    'CPU added per new connection over no program',
    'CPU-µs per connection',
    labels,
    [
      {
        label: 'iptables (legacy)',
        values: figures.sizes.map((size) => size.perConnection.addedByIptables.cpuUs),
        colour: LINE_COLOURS.alternative,
      },
      {
        label: 'eBPF (machine CPU)',
        values: figures.sizes.map((size) => size.perConnection.addedByEbpf.cpuUs),
        colour: LINE_COLOURS.ours,
      },
      {
        label: 'eBPF programs (kernel count, net)',
        values: figures.sizes.map((size) => ownUs(size.perConnection)),
        colour: LINE_COLOURS.ours,
        dashed: true,
      },
      {
        label: 'empty TC program (machine CPU)',
        values: figures.sizes.map((size) => size.perConnection.addedByEmpty.cpuUs),
        colour: LINE_COLOURS.oursSecondary,
      },
    ],
  );
  return stackCharts([perPacket, perConnection]);
}
