import type { Flow } from '../server/flows/flow.ts';
import type { machine } from './report.ts';
import { round } from './stats.ts';
import { type Bar, barChart } from './svg-chart.ts';

/** Agent and server CPU together per event, at most (200,000 events per CPU-second). */
export const TARGET_US_PER_EVENT = 5;

/**
 * The events benchmark's cluster: namespaces bench-a and bench-b with `perNamespace` pods each,
 * spread over two nodes; bench-a's pods take UDP only from bench-b (so bench-a's own traffic to
 * them is denied, and allowed flows name a policy); bench-b is open. Senders: four pods of
 * bench-b and two of bench-a, each spraying every pod.
 */
export function eventsState(perNamespace: number): { yaml: string; senders: string[] } {
  const documents: string[] = [];
  for (const team of ['a', 'b']) {
    documents.push(`kind: Namespace\nmetadata: {name: bench-${team}, labels: {team: ${team}}}\n`);
    for (let i = 0; i < perNamespace; i++) {
      documents.push(
        `kind: Pod\nmetadata: {name: ${team}-${i}, namespace: bench-${team}, labels: {app: ${team}-${i}}}\nspec: {nodeName: lab-node-${(i % 2) + 1}, containers: [{name: main}]}\n`,
      );
    }
  }
  documents.push(`kind: NetworkPolicy
metadata: {name: from-team-b, namespace: bench-a}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: b}}}]
    ports: [{protocol: UDP, port: 1024, endPort: 65535}]
`);
  const senders = [
    ...[0, 1, 2, 3].map((i) => `bench-b/b-${i % perNamespace}`),
    ...[0, 1].map((i) => `bench-a/a-${i % perNamespace}`),
  ];
  return { yaml: documents.join('---\n'), senders: [...new Set(senders)] };
}

/** Counts the variety of recorded flows: distinct pods, address pairs and policies. */
export function distinctFlows() {
  const pods = new Set<string>();
  const pairs = new Set<string>();
  const policies = new Set<string>();
  const verdicts = { allow: 0, deny: 0 };
  return {
    add(flows: readonly Flow[]): void {
      for (const flow of flows) {
        if (flow.pod) pods.add(flow.pod);
        pairs.add(`${flow.src}>${flow.dst}`);
        if (flow.policy) policies.add(flow.policy);
        verdicts[flow.verdict]++;
      }
    },
    counts() {
      return { pods: pods.size, addressPairs: pairs.size, policies: policies.size, ...verdicts };
    },
  };
}

export interface EventsFigures {
  readonly machine: ReturnType<typeof machine>;
  readonly pods: number;
  readonly senders: number;
  readonly live: {
    readonly seconds: number;
    readonly datagrams: number;
    /** Events the agents took from the ring buffers (the kernel's counter says how many it lost). */
    readonly events: number;
    readonly lost: number;
    readonly stored: number;
    /** Requests the server's ingest took. */
    readonly batches: number;
    readonly sentSeconds: number;
    readonly drainedSeconds: number;
    readonly agentsCpuSeconds: number;
    readonly serverCpuSeconds: number;
    /** What they used with no traffic over as many seconds as the sending took. */
    readonly idle: {
      readonly seconds: number;
      readonly agentsCpuSeconds: number;
      readonly serverCpuSeconds: number;
    };
    /** The same traffic first, right after start (their JIT compiling the flow path), not counted above. */
    readonly warmup: {
      readonly seconds: number;
      readonly events: number;
      readonly agentsCpuSeconds: number;
      readonly serverCpuSeconds: number;
    };
  };
  readonly recorded: {
    readonly events: number;
    readonly made: number;
    readonly lost: number;
    readonly pods: number;
    readonly addressPairs: number;
    readonly policies: number;
    readonly allow: number;
    readonly deny: number;
  };
  /** CPU-µs per event of each stage, from the replay of the recorded events. */
  readonly stagesUsPerEvent: {
    /** The addon's thread taking records from the ring buffer to JavaScript (the reader threads' own CPU, measured while recording). */
    readonly ring: number;
    /** The records' pod and rule ids named in the agent (the records are not decoded there). */
    readonly decode: number;
    /** The agent's metrics, flow file and HTTP requests to the server, of flow frames. */
    readonly ship: number;
    /** The server's ingest (HTTP, records checked by layout and copied into a block, peers named), its store left out. */
    readonly serverIngest: number;
    /** The flow store's inserts, into an empty store. */
    readonly store: number;
    /** The same inserts into a store at its bound of flows, the oldest going as they come. */
    readonly storeAtBound: number;
  };
  readonly storeBoundRows: number;
  readonly replayed: number;
  readonly replayBatches: number;
  readonly storedByReplay: number;
}

type LiveCpu = Pick<EventsFigures['live'], 'events' | 'agentsCpuSeconds' | 'serverCpuSeconds'>;

/** CPU-µs per event of the agents, the server and both, of a live run (the measured one by default). */
export function liveUsPerEvent(figures: EventsFigures, run: LiveCpu = figures.live) {
  const events = Math.max(run.events, 1);
  const us = (seconds: number) => (seconds / events) * 1e6;
  // The total from the unrounded parts, so that it is the run's own figure, not a sum of roundings.
  return {
    agents: round(us(run.agentsCpuSeconds), 2),
    server: round(us(run.serverCpuSeconds), 2),
    total: round(us(run.agentsCpuSeconds + run.serverCpuSeconds), 2),
  };
}

/** The stages' sum: agent (ring, decode, ship) and server (ingest, store). */
export function stageTotals(figures: EventsFigures) {
  const s = figures.stagesUsPerEvent;
  const agent = s.ring + s.decode + s.ship;
  return {
    agent: round(agent, 2),
    server: round(s.serverIngest + s.store, 2),
    total: round(agent + s.serverIngest + s.store, 2),
    atBound: round(agent + s.serverIngest + s.storeAtBound, 2),
  };
}

const count = (value: number) => value.toLocaleString('en');

export function eventsMarkdown(figures: EventsFigures): string {
  const { live, recorded, stagesUsPerEvent: s } = figures;
  const liveUs = liveUsPerEvent(figures);
  const firstUs = liveUsPerEvent(figures, live.warmup);
  const totals = stageTotals(figures);
  const lostLive = live.events - live.stored;
  const met = liveUs.total <= TARGET_US_PER_EVENT && lostLive === 0 && live.lost === 0;
  return `
![flow events benchmark](bench/results/events.svg)

Flow events on ${figures.machine.cores} cores (${figures.machine.cpu}), ${figures.machine.date.slice(0, 10)}: ${figures.pods} lab pods in two namespaces on two nodes, ${figures.senders} of them sending UDP to every pod, each datagram to the next port (a new flow, allowed or denied by a policy), for ${live.seconds} s after ${live.warmup.seconds} s of the same traffic to warm up; the lab's agents ship to the real server (\`next start\`), which stores in SQLite. The stages are measured on a replay, after a first pass to warm up.

| stage | CPU-µs per event |
|---|---|
| kernel → agent: the addon's thread takes records from the ring buffer | ${s.ring} |
| kernel → agent: the records' pod and policy ids named (records kept as the kernel wrote them) | ${s.decode} |
| agent → server, in the agent: metrics, flow file and HTTP, of flow frames | ${s.ship} |
| agent → server, in the server: HTTP, records checked by their layout and copied into a block, peers named | ${s.serverIngest} |
| server → store: SQLite, each batch a block of 64-byte records (names as ids), into an empty store | ${s.store} |
| server → store: the same into a store at its bound (${count(figures.storeBoundRows)} flows of a thousand pods) | ${s.storeAtBound} |
| **agent + server, by stage** | **${totals.total}** (agent ${totals.agent}, server ${totals.server}); with the store at its bound **${totals.atBound}** |
| **agent + server, live** | **${liveUs.total}** (agents ${liveUs.agents}, server ${liveUs.server}) |

- Live: ${count(live.datagrams)} datagrams made ${count(live.events)} events in ${live.sentSeconds} s (${count(Math.round(live.events / live.sentSeconds))}/s), ${count(live.lost)} lost in the kernel; the server stored ${count(live.stored)} (${count(lostLive)} missing) within ${live.drainedSeconds} s of the start. Agents and server used ${round(live.agentsCpuSeconds + live.serverCpuSeconds, 2)} CPU-seconds meanwhile: ${count(Math.round(live.events / Math.max(live.agentsCpuSeconds + live.serverCpuSeconds, 1e-9)))} events per CPU-second (target ${count(1e6 / TARGET_US_PER_EVENT)}, ≤ ${TARGET_US_PER_EVENT} µs per event, none lost): ${met ? '**met**' : '**missed**'}. With no traffic, over ${live.idle.seconds} s, the agents used ${live.idle.agentsCpuSeconds} CPU-seconds and the server ${live.idle.serverCpuSeconds}.
- The first traffic after start (the warm-up): ${count(live.warmup.events)} events in ${live.warmup.seconds} s took ${firstUs.total} CPU-µs each (agents ${firstUs.agents}, server ${firstUs.server}). The agents' and server's JIT compiles their flow path then, a cost paid once per start, so the live figure above is the steady state after it.
${whereTheTimeGoes(figures, met)}- By stage: ${count(recorded.events)} events recorded raw from the ring buffers (the kernel made ${count(recorded.made)}, ${count(recorded.lost)} lost) from ${recorded.pods} pods, ${count(recorded.addressPairs)} address pairs and ${recorded.policies} ${recorded.policies === 1 ? 'policy' : 'policies'} (${count(recorded.allow)} allowed, ${count(recorded.deny)} denied), replayed in batches through the agent's code into the server, which stored ${count(figures.storedByReplay)} of ${count(figures.replayed)}. The server's ingest is its CPU during the replay less the store's inserts measured alone.
`;
}

/** Where the time goes, from the stages' own figures; when the target is missed, what is left to cut. */
function whereTheTimeGoes(figures: EventsFigures, met: boolean): string {
  const s = figures.stagesUsPerEvent;
  const stages: [string, number][] = [
    ['the ring buffer to JavaScript', s.ring],
    ['naming ids', s.decode],
    ["the agent's metrics, flow file and HTTP", s.ship],
    ["the server's ingest", s.serverIngest],
    ['the store at its bound', s.storeAtBound],
  ];
  const largest = [...stages]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, us]) => `${name} (${us} µs)`)
    .join(', ');
  const { live } = figures;
  const perBatch = (events: number, batches: number) => Math.round(events / Math.max(batches, 1));
  const liveBatch = perBatch(live.events, live.batches);
  const replayBatch = perBatch(figures.replayed, figures.replayBatches);
  const batching =
    liveBatch < replayBatch
      ? ` Live costs more than the stages add up to, in part because its requests carry fewer events: ${liveBatch} on average (what the agents gathered in their hold), against the replay's ${replayBatch}, so the work of each request (the route, the checks, a transaction, the flow file) is paid every ${liveBatch} events; the agents' status, which counts the entries of every pod's maps, is paid too.`
      : '';
  const charged = figures.machine.interruptsCharged
    ? ' This kernel does not account interrupt time apart (no CONFIG_IRQ_TIME_ACCOUNTING): the softirq work of the load’s packets is charged to whichever process is running when it comes, agents and server included, which the live figure counts and the replay does not.'
    : '';
  const left = met
    ? ''
    : ' To meet the target, the largest of these must shrink: the per-request work by larger batches, the ingest by fewer objects per flow.';
  return `- Where the time goes: the largest stages are ${largest}.${batching} The records travel as the kernel wrote them (the agent reads only their pod and rule ids, and sends the names once per batch, in a flow frame), so what is left per event is the addon's thread taking each record from the ring buffer (${s.ring} µs), the server checking each record and copying it into the block the store keeps, its peer named by address once per batch, no flow object made of it with no live reader (${s.serverIngest} µs), and its 64-byte record in the block of its batch, one row per batch (${s.store} µs into an empty store, ${s.storeAtBound} µs at its bound, where each batch also makes the oldest flows go).${charged}${left}\n`;
}

export function eventsChart(figures: EventsFigures): string {
  const s = figures.stagesUsPerEvent;
  const live = liveUsPerEvent(figures);
  const bars: Bar[] = [
    { label: 'ring buffer → JavaScript', value: s.ring, kind: 'ours' },
    { label: 'agent: name ids', value: s.decode, kind: 'ours' },
    { label: 'agent: metrics, file, ship', value: s.ship, kind: 'ours' },
    { label: 'server: ingest', value: s.serverIngest, kind: 'ours' },
    { label: 'server: store (empty)', value: s.store, kind: 'ours' },
    { label: 'server: store (at its bound)', value: s.storeAtBound, kind: 'ours' },
    { label: 'agents + server, live', value: live.total, kind: 'ours' },
    { label: 'target: agent + server', value: TARGET_US_PER_EVENT, kind: 'target' },
  ];
  return barChart('CPU per flow event, by stage (µs)', 'µs', bars);
}
