import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newIngestCounters, renderServerMetrics } from './ingest-counters.ts';

test('server metrics are Prometheus text', () => {
  const counters = newIngestCounters();
  counters.batches = 2;
  counters.flows = 30;
  counters.refused[403] = 1;
  counters.agentDropped['lab-node-1'] = 5;
  const text = renderServerMetrics(counters, { storedFlows: 30, streamReaders: 1 });
  assert.match(text, /^palisade_ingest_flows_total 30$/m);
  assert.match(text, /^palisade_ingest_refused_total\{status="403"\} 1$/m);
  assert.match(text, /^palisade_agent_dropped_flows\{node="lab-node-1"\} 5$/m);
  assert.match(text, /^# TYPE palisade_stored_flows gauge$/m);
  assert.ok(
    text
      .split('\n')
      .filter(Boolean)
      .every((line) => line.startsWith('#') || /^\w+(\{[^}]*\})? \d+$/.test(line)),
  );
});
