import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeFrames } from '../server/flows/flow-frame.ts';
import { FlowSink } from './flow-sink.ts';
import { AgentMetrics } from './metrics.ts';
import { frameOf, type RecordBatch, recordCount } from './record-batch.ts';
import { recordsOf, testEvent } from './testing-records.ts';

const hand = (from: number, count: number) =>
  recordsOf(
    Array.from({ length: count }, (_, i) =>
      testEvent(from + i, { podId: 1, ruleId: 1, reason: i % 2 ? 'policy' : 'node' }),
    ),
    { pods: { 1: 'default/demo-app' }, policies: { 1: 'default/allow' } },
  );

test('flows are written and shipped together once held long enough, or at once when many', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'palisade-sink-')), 'flows.frames');
  const shipped: RecordBatch[][] = [];
  const metrics = new AgentMetrics('lab-node-1');
  const sink = new FlowSink(
    'lab-node-1',
    file,
    metrics,
    { push: (batches) => void shipped.push([...batches]) },
    {
      holdMs: 50,
      flushAt: 10,
    },
  );
  const sizes = () => shipped.map((batches) => batches.reduce((sum, batch) => sum + recordCount(batch), 0));
  sink.take(hand(1, 2));
  sink.take(hand(3, 1));
  assert.equal(shipped.length, 0, 'held');
  await sleep(120);
  assert.deepEqual(sizes(), [3], 'one batch after the hold');
  assert.equal(decodeFrames(readFileSync(file)).flows.length, 3);
  sink.take(hand(10, 12));
  assert.deepEqual(sizes(), [3, 12], 'at once past flushAt');
  sink.take(hand(30, 1));
  sink.flush();
  assert.deepEqual(sizes(), [3, 12, 1]);
  const { flows, end } = decodeFrames(readFileSync(file));
  assert.equal(end, readFileSync(file).length, 'whole frames');
  assert.equal(flows.length, 16);
  assert.deepEqual(
    [flows.at(-1)?.sport, flows.at(-1)?.pod, flows.at(-1)?.policy, flows.at(-1)?.node, flows.at(-1)?.reason],
    [40030, 'default/demo-app', 'default/allow', 'lab-node-1', 'node'],
  );
  assert.equal(sink.received, 16);
  assert.match(
    metrics.render({ counters: {} as never, fill: [] }),
    /palisade_flow_verdicts_total\{node="lab-node-1",direction="ingress",verdict="allow",tier="None",policy="default\/allow"\} 16/,
  );
});

test('a frame that a crash cut short is cut off when the agent starts again, so the next frames can be read', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'palisade-sink-')), 'flows.frames');
  const whole = frameOf({ node: 'lab-node-1' }, [hand(1, 3)]);
  writeFileSync(file, whole);
  appendFileSync(file, frameOf({ node: 'lab-node-1' }, [hand(4, 3)]).subarray(0, 30));
  const sink = new FlowSink('lab-node-1', file, new AgentMetrics('lab-node-1'));
  sink.take(hand(7, 2));
  sink.flush();
  const read = decodeFrames(readFileSync(file));
  assert.equal(read.error, undefined);
  assert.deepEqual(
    read.flows.map((flow) => flow.sport),
    [1, 2, 3, 7, 8].map((i) => testEvent(i).sport),
  );
});
