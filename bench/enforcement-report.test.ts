import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enforcementChart, enforcementMarkdown, stageSummary } from './enforcement-report.ts';

test('stages split each change where the watch saw the PolicyEndpoint, never below zero', () => {
  const samples = [
    { write: 5, watch: 30, total: 40 },
    { write: 4, watch: 50, total: 45 }, // the agent's watch beat ours: its stage counts 0
    { write: 6, watch: 20, total: 100 },
  ];
  const summary = stageSummary(samples);
  assert.deepEqual(summary.apiWriteMs, { p50: 5, p99: 6, max: 6 });
  assert.deepEqual(summary.controllerMs, { p50: 25, p99: 46, max: 46 });
  assert.deepEqual(summary.agentMs, { p50: 10, p99: 80, max: 80 });
  assert.deepEqual(summary.totalMs, { p50: 45, p99: 100, max: 100 });
  const figures = {
    machine: { cpu: 'test', cores: 2, node: 'v24', date: '2026-12-01T00:00:00.000Z' },
    changes: 3,
    ...summary,
  };
  const markdown = enforcementMarkdown(figures);
  assert.match(markdown, /\| \*\*write → enforced in the kernel\*\* \| 45 \| 100 \| 100 \|/);
  assert.match(markdown, /p99 100 ms \(the datapath's target: p99 < 50 ms\): \*\*missed\*\*/);
  assert.match(enforcementChart(figures), /target: p99 &lt; 50 ms|target: p99 < 50 ms/);
});
