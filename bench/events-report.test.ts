import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from '../server/flows/flow.ts';
import { parseState } from '../server/kube/state-file.ts';
import {
  distinctFlows,
  type EventsFigures,
  eventsChart,
  eventsMarkdown,
  eventsState,
  liveUsPerEvent,
  stageTotals,
} from './events-report.ts';

test('the events cluster parses as a state file: two namespaces of pods on two nodes and one policy', () => {
  const { yaml, senders } = eventsState(4);
  const objects = parseState(yaml, 'events.yaml');
  assert.equal(objects.filter((object) => object.kind === 'Pod').length, 8);
  assert.equal(objects.filter((object) => object.kind === 'NetworkPolicy').length, 1);
  assert.deepEqual(senders, [
    'bench-b/b-0',
    'bench-b/b-1',
    'bench-b/b-2',
    'bench-b/b-3',
    'bench-a/a-0',
    'bench-a/a-1',
  ]);
});

test('the variety of recorded flows is counted', () => {
  const flow = (src: string, dst: string, pod: string, verdict: 'allow' | 'deny', policy?: string) =>
    ({ src, dst, pod, verdict, policy }) as unknown as Flow;
  const variety = distinctFlows();
  variety.add([
    flow('1', '2', 'a/x', 'allow', 'a/p'),
    flow('1', '2', 'a/x', 'deny'),
    flow('2', '1', 'b/y', 'allow'),
  ]);
  assert.deepEqual(variety.counts(), { pods: 2, addressPairs: 2, policies: 1, allow: 2, deny: 1 });
});

const figures: EventsFigures = {
  machine: { cpu: 'test', cores: 2, node: 'v24', date: '2026-12-01T00:00:00.000Z' },
  pods: 32,
  senders: 6,
  live: {
    seconds: 3,
    datagrams: 100_000,
    events: 200_000,
    lost: 0,
    stored: 200_000,
    batches: 1000,
    sentSeconds: 3,
    drainedSeconds: 5,
    agentsCpuSeconds: 0.6,
    serverCpuSeconds: 0.4,
    idle: { seconds: 3, agentsCpuSeconds: 0.01, serverCpuSeconds: 0 },
    warmup: { seconds: 3, events: 200_000, agentsCpuSeconds: 1.2, serverCpuSeconds: 0.8 },
  },
  recorded: {
    events: 150_000,
    made: 150_000,
    lost: 0,
    pods: 32,
    addressPairs: 190,
    policies: 1,
    allow: 100_000,
    deny: 50_000,
  },
  stagesUsPerEvent: { ring: 0.5, decode: 1, ship: 1.5, serverIngest: 1, store: 0.5, storeAtBound: 2 },
  storeBoundRows: 1_000_000,
  replayed: 150_000,
  replayBatches: 30,
  storedByReplay: 150_000,
};

test('per event: live from the processes’ CPU, by stage from the replay; the target needs none lost', () => {
  assert.deepEqual(liveUsPerEvent(figures), { agents: 3, server: 2, total: 5 });
  // The warm-up's cost is its own, apart from the steady state the target is judged on.
  assert.deepEqual(liveUsPerEvent(figures, figures.live.warmup), { agents: 6, server: 4, total: 10 });
  assert.match(eventsMarkdown(figures), /\(the warm-up\): 200,000 events in 3 s took 10 CPU-µs each/);
  assert.deepEqual(stageTotals(figures), { agent: 3, server: 1.5, total: 4.5, atBound: 6 });
  assert.match(eventsMarkdown(figures), /200,000 events per CPU-second .*: \*\*met\*\*/);
  const lossy = { ...figures, live: { ...figures.live, stored: 199_999 } };
  assert.match(eventsMarkdown(lossy), /\(1 missing\)/);
  assert.match(eventsMarkdown(lossy), /\*\*missed\*\*/);
  assert.match(
    eventsMarkdown(lossy),
    /largest stages are the store at its bound \(2 µs\), the agent's metrics, flow file and HTTP \(1\.5 µs\)/,
  );
  assert.match(eventsMarkdown(figures), /Where the time goes/);
  assert.doesNotMatch(eventsMarkdown(figures), /To meet the target/);
  assert.match(eventsMarkdown(lossy), /To meet the target, the largest of these must shrink/);
  assert.doesNotMatch(eventsMarkdown(figures), /IRQ_TIME_ACCOUNTING/);
  const ticked = { ...figures, machine: { ...figures.machine, interruptsCharged: true } };
  assert.match(
    eventsMarkdown(ticked),
    /no CONFIG_IRQ_TIME_ACCOUNTING\): the softirq work of the load’s packets/,
  );
  assert.match(
    eventsMarkdown(lossy),
    /fewer events: 200 on average \(what the agents gathered in their hold\), against the replay's 5000/,
  );
  assert.match(eventsChart(figures), /target: agent \+ server/);
});
