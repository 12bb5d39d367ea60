import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ControllerFigures,
  controllerChart,
  controllerMarkdown,
  controllerShare,
} from './controller-report.ts';

const usage = (controller: number, api: number) => ({
  'kube-apiserver': { cpuSeconds: api, bytesWritten: 900_000_000 },
  etcd: { cpuSeconds: 11, bytesWritten: 50_000_000 },
  'palisade controller': { cpuSeconds: controller, bytesWritten: 120_000_000 },
});
const figures = (converge: number, labelChanges: number): ControllerFigures => ({
  machine: { cpu: 'test', cores: 2, node: 'v24', date: '2026-12-01T00:00:00.000Z' },
  shape: { pods: 5000, policies: 1000, namespaces: 100 },
  chunkSize: 200,
  policyEndpoints: 6700,
  entries: 1_200_600,
  converge: { seconds: 150, writesSeen: 6700, settleSeconds: 3, usage: usage(converge, 200) },
  labelChange: {
    changes: 200,
    p50Ms: 190,
    p99Ms: 430,
    meanPoliciesChanged: 24,
    meanPolicyEndpointsWritten: 24,
    usage: usage(labelChanges, 50),
  },
  peakMemoryMb: { 'kube-apiserver': 3000, etcd: 260, 'palisade controller': 700 },
});

test('the controller’s share is its CPU over the API server’s, in both phases, against 15%', () => {
  assert.deepEqual(controllerShare(figures(20, 5)), { converge: 0.1, labelChanges: 0.1, met: true });
  assert.deepEqual(controllerShare(figures(20, 9)), { converge: 0.1, labelChanges: 0.18, met: false });
});

test('the README text comes from the figures: shares, bytes, the floor the API server sets', () => {
  const markdown = controllerMarkdown(figures(20, 9));
  assert.match(markdown, /converging \/ over the label changes \| 10% \/ 18% \| < 15%: \*\*missed\*\*/);
  assert.match(markdown, /\| palisade controller \| 20 \| 120 \| 9 \| 120 \| 700 MB \|/);
  assert.match(markdown, /300 CPU-seconds were there on 2 cores; the API server alone used 200/);
  assert.match(markdown, /no client could converge in under 100 s/);
  assert.match(markdown, /wrote 120 MB \(17\.9 kB per PolicyEndpoint\)/);
  assert.match(markdown, /150 s \| < 60 s: \*\*missed\*\*/);
  assert.match(markdown, /190 \/ 430 ms \| p99 < 500 ms: \*\*met\*\*/);
  assert.match(markdown, /idle again, 3 s after the watch saw the last PolicyEndpoint/);
});

test('the chart shows the controller’s CPU beside the API server’s, and the share in its title', () => {
  const svg = controllerChart(figures(20, 9));
  assert.match(
    svg,
    /controller 10% of the API server's \(target &lt; 15%\)|controller 10% of the API server's \(target < 15%\)/,
  );
  assert.match(svg, /palisade controller/);
  assert.match(svg, /kube-apiserver/);
});
