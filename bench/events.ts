import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RING_THREAD_NAME } from '../agent/datapath/addon.ts';
import { nodeCounters } from '../agent/datapath/introspect.ts';
import { LAYOUT } from '../agent/datapath/layout.ts';
import { FlowShipper } from '../agent/flow-shipper.ts';
import { FlowSink } from '../agent/flow-sink.ts';
import { LabNodeSource } from '../agent/lab/lab-node-source.ts';
import { AgentMetrics } from '../agent/metrics.ts';
import { NodeAgent } from '../agent/node-agent.ts';
import { frameOf } from '../agent/record-batch.ts';
import { startDashboard } from '../e2e/dashboard.ts';
import { decodeFrame } from '../server/flows/flow-frame.ts';
import { FlowStore } from '../server/flows/flow-store.ts';
import { readAgentReport, readJson, readLab } from '../server/lab/lab-store.ts';
import { labWith, onTheLab, replaceAgents } from './bench-lab.ts';
import { cpuSeconds, threadCpuSeconds, treeCpuSeconds } from './cpu.ts';
import {
  distinctFlows,
  type EventsFigures,
  eventsChart,
  eventsMarkdown,
  eventsState,
} from './events-report.ts';
import { machine, progress, writeResults } from './report.ts';
import { round } from './stats.ts';
import { fillStore } from './store-fill.ts';

/**
 * `npm run bench:events` (root, eBPF; under the lab lock): the CPU each flow event costs in each
 * stage from the kernel to the server's store, with events of many pods and peers:
 * - live: the lab's agents and the real server (next start) while pods send UDP to every other
 *   pod, each datagram a new flow; CPU-µs per event of the agents and of the server, and that none
 *   was lost on the way;
 * - by stage: the same kind of traffic recorded raw from the ring buffers, then replayed through
 *   the agent's code (decode and name; metrics, flow file and shipping) into the real server, and
 *   through the flow store on its own.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** Seconds of the same traffic before the live run: the first after start, its cost reported apart. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const PODS_PER_NAMESPACE = Number(process.env.BENCH_PODS ?? 16);
/**
 * Datagrams a second each sender sends at most (each makes an event on each side), so that the
 * senders leave the machine to what is measured; 0: as fast as they can.
 */
const RATE = Number(process.env.BENCH_EVENT_RATE ?? 3000);
const SERVER_PORT = 3917;
/** Rows of the store the replay also inserts into: the server's bound. */
const FULL_STORE_ROWS = 1_000_000;
/** Events per batch in the replay: what the agent takes per ring buffer hand-off at about 100k/s. */
const REPLAY_BATCH = 1000;

const folder = mkdtempSync(join(tmpdir(), 'palisade-bench-events-'));
const load = new URL('load/palisade-load', import.meta.url).pathname;
execFileSync('make', ['-s', '-C', new URL('load', import.meta.url).pathname]);

// Filled first, before any connection to the server is open: it takes seconds in which this
// process answers nothing.
progress(
  `filling a flow store with ${FULL_STORE_ROWS.toLocaleString('en')} flows, for the store at its bound`,
);
const fullPath = join(folder, 'full.sqlite');
new FlowStore(fullPath).close();
fillStore(fullPath, FULL_STORE_ROWS, 1000, Date.now());

await onTheLab(15, async (cleanups) => {
  progress('starting the server (next start) with a flow store of its own');
  const server = await startDashboard(SERVER_PORT, { PALISADE_DATA_DIR: join(folder, 'data') });
  cleanups.push(() => server.kill());
  const base = `http://127.0.0.1:${SERVER_PORT}`;
  const stored = async () => ((await (await fetch(`${base}/healthz`)).json()) as { flows: number }).flows;
  /** Batches the server's ingest has taken (its Prometheus counter). */
  const batches = async () =>
    Number(/^palisade_ingest_batches_total (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
  process.env.PALISADE_INGEST_URL = `${base}/api/ingest`;

  const { yaml, senders } = eventsState(PODS_PER_NAMESPACE);
  progress(`building the lab: ${2 * PODS_PER_NAMESPACE} pods in two namespaces on two nodes`);
  await labWith(folder, yaml);
  const lab = readLab();
  if (!lab) throw new Error('the lab is not up');
  const nodes = lab.nodes.map((node) => node.name);
  const targets = lab.pods.map((pod) => pod.ip);
  const senderPods = senders.map((key) => {
    const pod = lab.pods.find((candidate) => candidate.key === key);
    if (!pod) throw new Error(`no pod ${key} in the lab`);
    return pod;
  });
  /** Every sender sprays every pod for `seconds`; returns the datagrams sent. */
  const spray = async (seconds: number) => {
    const runs = await Promise.all(
      senderPods.map(
        (pod) =>
          new Promise<number>((resolve, reject) => {
            execFile(
              'nsenter',
              [`--net=/run/netns/${pod.netns}`, load, 'udp-spray', String(seconds), String(RATE), ...targets],
              (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout).packets as number)),
            );
          }),
      ),
    );
    return runs.reduce((sum, packets) => sum + packets, 0);
  };
  const generated = () =>
    nodes.reduce(
      (sum, node) => {
        const counters = nodeCounters(node);
        return {
          events: sum.events + counters.allowedFlows + counters.deniedPackets,
          lost: sum.lost + counters.lostEvents,
        };
      },
      { events: 0, lost: 0 },
    );
  const agentReceived = async () => {
    let total = 0;
    for (const node of lab.nodes) {
      const text = await (await fetch(`http://127.0.0.1:${9470 + node.index}/metrics`)).text();
      for (const match of text.matchAll(/^palisade_flow_verdicts_total\{[^}]*\} (\d+)$/gm))
        total += Number(match[1]);
    }
    return total;
  };

  const agentPids = nodes.map((node) => readAgentReport(node)?.pid ?? 0);
  const agentsCpu = () => agentPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const serverCpu = () => treeCpuSeconds(server.pid ?? 0);
  /** Every sender sprays every pod for `seconds`: what agents and server took in, and the CPU it cost them. */
  const liveRun = async (seconds: number) => {
    const before = {
      generated: generated(),
      received: await agentReceived(),
      stored: await stored(),
      batches: await batches(),
      agents: agentsCpu(),
      server: serverCpu(),
    };
    const started = performance.now();
    const datagrams = await spray(seconds);
    const sentSeconds = (performance.now() - started) / 1000;
    // Until the server's store stops growing (bounded). The agents' own count is read once, after:
    // their metrics count every map of every pod, and scraping them often would load what is measured.
    let last = -1;
    for (let waited = 0; waited < 60_000; waited += 500) {
      const now = await stored();
      if (now === last) break;
      last = now;
      await sleep(500);
    }
    const drainedSeconds = (performance.now() - started) / 1000;
    // CPU first: reading the agents' counts (their metrics count every pod's maps) is not their work on the events.
    const agentsCpuSeconds = round(agentsCpu() - before.agents, 2);
    const serverCpuSeconds = round(serverCpu() - before.server, 2);
    return {
      seconds,
      datagrams,
      events: (await agentReceived()) - before.received,
      lost: generated().lost - before.generated.lost,
      stored: (await stored()) - before.stored,
      batches: (await batches()) - before.batches,
      sentSeconds: round(sentSeconds, 2),
      drainedSeconds: round(drainedSeconds, 2),
      agentsCpuSeconds,
      serverCpuSeconds,
    };
  };

  // The first traffic after start also pays for the agents' and server's JIT compiling their flow
  // path (a profile showed the agents' compiler threads busier than their main threads): a cost
  // paid once, so it is measured apart, and the live figure is the steady state after it.
  progress(`warming up: the same traffic for ${WARMUP_SECONDS} s, the first after start`);
  // The count before each run reads the agents' metrics: first, every agent answers there.
  for (let waited = 0; ; waited += 200) {
    const ready = await agentReceived().then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (waited >= 30_000) throw new Error("the lab's agents do not answer on their metrics ports");
    await sleep(200);
  }
  const first = await liveRun(WARMUP_SECONDS);
  const warmup = {
    seconds: first.seconds,
    events: first.events,
    agentsCpuSeconds: first.agentsCpuSeconds,
    serverCpuSeconds: first.serverCpuSeconds,
  };
  // What agents and server use with no traffic, over the same time as the run's sending, for comparison.
  await sleep(1000);
  const idleFrom = { agents: agentsCpu(), server: serverCpu() };
  await sleep(SECONDS * 1000);
  const idle = {
    seconds: SECONDS,
    agentsCpuSeconds: round(agentsCpu() - idleFrom.agents, 2),
    serverCpuSeconds: round(serverCpu() - idleFrom.server, 2),
  };
  progress(`live: ${senderPods.length} pods send UDP to all ${targets.length} pods for ${SECONDS} s`);
  const live = { ...(await liveRun(SECONDS)), idle, warmup };

  progress(`recording: the same traffic for ${SECONDS} s, raw from the ring buffers, the agents stopped`);
  const recordings = join(folder, 'recorded');
  mkdirSync(recordings);
  const recordedBefore = generated();
  const drain = await replaceAgents(recordings);
  // The ring buffers' reader threads alone (not the drain's JavaScript, which records to files).
  const readersCpu = () => threadCpuSeconds(drain.pid, RING_THREAD_NAME);
  const ringCpuBefore = readersCpu();
  await spray(SECONDS);
  await sleep(500);
  const ringCpu = readersCpu() - ringCpuBefore;
  if (ringCpu === 0) throw new Error(`no CPU counted for the threads named ${RING_THREAD_NAME} of the drain`);
  const recordedCounts = await drain.stop();
  const recordedEvents = Object.values(recordedCounts).reduce((sum, count) => sum + count, 0);
  const recordedMade = generated().events - recordedBefore.events;
  const recordedLost = generated().lost - recordedBefore.lost;

  progress(`replaying ${recordedEvents} recorded events through each stage`);
  const tokens = readJson<Record<string, string>>('tokens.json') ?? {};
  const cpu = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  const store = new FlowStore(join(folder, 'replay.sqlite'));
  // The same inserts into a store at its bound (a million flows of a thousand pods), where each
  // insert also makes the oldest go: what the server pays in steady state.
  const fullStore = new FlowStore(fullPath);
  const noStages = () => ({ decode: 0, ship: 0, serverIngest: 0, store: 0, fullStore: 0 });
  /** The recorded events through each stage once, each stage's CPU added to `stages`. */
  const replay = async (
    into: FlowStore,
    stages: ReturnType<typeof noStages>,
    variety?: ReturnType<typeof distinctFlows>,
  ) => {
    let replayed = 0;
    let storedByReplay = 0;
    for (const node of nodes) {
      const raw = readFileSync(join(recordings, `${node}.events`));
      const agent = new NodeAgent(node, new LabNodeSource(node));
      await agent.sync();
      const size = LAYOUT.flow_event.size;
      const batches: Buffer[] = [];
      for (let offset = 0; offset < raw.length; offset += REPLAY_BATCH * size)
        batches.push(raw.subarray(offset, Math.min(raw.length, offset + REPLAY_BATCH * size)));
      // kernel → agent: the records' pod and rule ids named (the records themselves stay as they are).
      let start = cpu();
      const named = batches.map((batch) => agent.named(batch));
      stages.decode += cpu() - start;
      // The flows as the server decodes them from the agent's frames.
      const decoded = named.flatMap((batch) => decodeFrame(frameOf({ node }, [batch])).batch.flows);
      variety?.add(decoded);
      // agent → server: metrics, the flow file and shipping, in the agent; the ingest, in the server.
      const count = decoded.length;
      const shipper = new FlowShipper({
        url: `${base}/api/ingest`,
        token: () => tokens[node],
        node,
        maxBuffered: count,
      });
      const sink = new FlowSink(node, join(folder, `flows-${node}.frames`), new AgentMetrics(node), shipper);
      const storedBefore = await stored();
      const serverBefore = treeCpuSeconds(server.pid ?? 0);
      start = cpu();
      for (const batch of named) {
        sink.take(batch);
        await new Promise((resolve) => setImmediate(resolve));
      }
      while (shipper.delivered + shipper.dropped < count && shipper.lastError === undefined) await sleep(2);
      stages.ship += cpu() - start;
      stages.serverIngest += treeCpuSeconds(server.pid ?? 0) - serverBefore;
      shipper.close();
      if (shipper.lastError) throw new Error(`shipping the replay: ${shipper.lastError}`);
      storedByReplay += (await stored()) - storedBefore;
      // server → store: the flows as the server decodes them, into a store of their own.
      start = cpu();
      for (let offset = 0; offset < decoded.length; offset += 5000)
        into.add(decoded.slice(offset, offset + 5000));
      stages.store += cpu() - start;
      start = cpu();
      for (let offset = 0; offset < decoded.length; offset += 5000)
        fullStore.add(decoded.slice(offset, offset + 5000));
      stages.fullStore += cpu() - start;
      replayed += count;
    }
    return { replayed, storedByReplay };
  };
  // A first pass, not counted, warms this process's copy of the agent's and the store's code (its
  // JIT), as the live run's warm-up does for the agents and the server.
  const warmStore = new FlowStore(join(folder, 'replay-warm-up.sqlite'));
  await replay(warmStore, noStages());
  warmStore.close();
  const stages = noStages();
  const variety = distinctFlows();
  const replayBatchesBefore = await batches();
  const { replayed, storedByReplay } = await replay(store, stages, variety);
  store.close();
  fullStore.close();
  const replayBatches = (await batches()) - replayBatchesBefore;
  const perEvent = (seconds: number) => round((seconds / Math.max(replayed, 1)) * 1e6, 2);
  const figures: EventsFigures = {
    machine: machine(),
    pods: targets.length,
    senders: senderPods.length,
    live,
    recorded: {
      events: recordedEvents,
      made: recordedMade,
      lost: recordedLost,
      ...variety.counts(),
    },
    stagesUsPerEvent: {
      ring: round((ringCpu / Math.max(recordedEvents, 1)) * 1e6, 2),
      decode: perEvent(stages.decode),
      ship: perEvent(stages.ship),
      serverIngest: perEvent(stages.serverIngest - stages.store),
      store: perEvent(stages.store),
      storeAtBound: perEvent(stages.fullStore),
    },
    storeBoundRows: FULL_STORE_ROWS,
    replayed,
    replayBatches,
    storedByReplay,
  };
  writeResults('events', figures, eventsChart(figures), eventsMarkdown(figures));
  progress('results in bench/results/events.{json,md,svg} and the README');
});
