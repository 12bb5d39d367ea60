import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowSink } from './flow-sink.ts';
import { AgentMetrics } from './metrics.ts';
import type { NamedFlow } from './node-agent.ts';

const flow = (i: number): NamedFlow => ({
  timestampNs: BigInt(i),
  time: 1_800_000_000_000 + i,
  node: 'lab-node-1',
  pod: 'default/demo-app',
  src: '10.77.2.10',
  dst: '10.77.1.10',
  sport: 40000 + i,
  dport: 80,
  protocol: 6,
  family: 4,
  direction: 'ingress',
  verdict: 'allow',
  kind: 'new-flow',
  reason: 'policy',
  ruleId: 1,
  podId: 1,
});

test('flows are written and shipped together once held long enough, or at once when many', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'palisade-sink-')), 'flows.jsonl');
  const shipped: string[][] = [];
  const sink = new FlowSink(
    file,
    new AgentMetrics('lab-node-1'),
    { push: (lines) => void shipped.push([...lines]) },
    {
      holdMs: 50,
      flushAt: 10,
    },
  );
  sink.take([flow(1), flow(2)]);
  sink.take([flow(3)]);
  assert.equal(shipped.length, 0, 'held');
  await sleep(120);
  assert.deepEqual(
    shipped.map((lines) => lines.length),
    [3],
    'one batch after the hold',
  );
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 3);
  sink.take(Array.from({ length: 12 }, (_, i) => flow(10 + i)));
  assert.deepEqual(
    shipped.map((lines) => lines.length),
    [3, 12],
    'at once past flushAt',
  );
  sink.take([flow(30)]);
  sink.flush();
  assert.deepEqual(
    shipped.map((lines) => lines.length),
    [3, 12, 1],
  );
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 16);
  assert.equal(JSON.parse(lines.at(-1) ?? '{}').sport, 40030);
  assert.equal(sink.received, 16);
});
