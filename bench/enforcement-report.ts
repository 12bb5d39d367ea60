import type { machine } from './report.ts';
import { percentile, round } from './stats.ts';
import { LINE_COLOURS, lineChart } from './svg-chart.ts';

/** The datapath's target for a policy change to reach the kernel, p99. */
export const TARGET_P99_MS = 50;

/** One change, in ms from the write: the API's answer, a watch seeing the PolicyEndpoint, the kernel enforcing. */
export interface ChangeSample {
  readonly write: number;
  readonly watch: number;
  readonly total: number;
}

export interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface StageFigures {
  /** The API server takes the NetworkPolicy. */
  readonly apiWriteMs: Spread;
  /** The controller writes the PolicyEndpoint, and a watch sees it. */
  readonly controllerMs: Spread;
  /** The agent reads it and programs the kernel. */
  readonly agentMs: Spread;
  readonly totalMs: Spread;
}

export interface EnforcementFigures extends StageFigures {
  readonly machine: ReturnType<typeof machine>;
  readonly changes: number;
}

const spread = (values: readonly number[]): Spread => ({
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  max: round(Math.max(...values)),
});

/** Each stage's spread over the changes; a stage never counts below zero (a watch may trail the agent's). */
export function stageSummary(samples: readonly ChangeSample[]): StageFigures {
  return {
    apiWriteMs: spread(samples.map((sample) => sample.write)),
    controllerMs: spread(samples.map((sample) => Math.max(0, sample.watch - sample.write))),
    agentMs: spread(
      samples.map((sample) => Math.max(0, sample.total - Math.max(sample.watch, sample.write))),
    ),
    totalMs: spread(samples.map((sample) => sample.total)),
  };
}

export function enforcementMarkdown(figures: EnforcementFigures): string {
  const row = (label: string, s: Spread) => `| ${label} | ${s.p50} | ${s.p99} | ${s.max} |`;
  const met = figures.totalMs.p99 < TARGET_P99_MS;
  return `
![policy change to enforcement](bench/results/enforcement.svg)

NetworkPolicy change to enforcement through the real path, on ${figures.machine.cores} cores (${figures.machine.cpu}), ${figures.machine.date.slice(0, 10)}: a real kube-apiserver and etcd, \`palisade controller\`, the lab's agents reading PolicyEndpoints from their watch (\`lab up --kube\`), the kernel. ${figures.changes} changes, each the pod's allowed port flipped by a server-side apply, timed until the server pod's live rule map in the kernel holds the new port; split where a watch of the benchmark's own sees the controller's PolicyEndpoint.

| stage | p50 ms | p99 ms | max ms |
|---|---|---|---|
${row('API server takes the NetworkPolicy', figures.apiWriteMs)}
${row('controller writes the PolicyEndpoint, a watch sees it', figures.controllerMs)}
${row('agent reads it and programs the kernel', figures.agentMs)}
${row('**write → enforced in the kernel**', figures.totalMs)}

- p99 ${figures.totalMs.p99} ms (the datapath's target: p99 < ${TARGET_P99_MS} ms): ${met ? '**met**' : '**missed**'}.
`;
}

export function enforcementChart(figures: EnforcementFigures): string {
  const stages = [
    { label: 'API write', s: figures.apiWriteMs, colour: LINE_COLOURS.alternative },
    { label: 'controller + watch', s: figures.controllerMs, colour: LINE_COLOURS.oursSecondary },
    { label: 'agent → kernel', s: figures.agentMs, colour: LINE_COLOURS.ours },
    { label: 'total', s: figures.totalMs, colour: LINE_COLOURS.ours },
  ];
  return lineChart(
    `NetworkPolicy change → enforced in the kernel (${figures.changes} changes)`,
    'ms',
    ['p50', 'p99', 'max'],
    stages.map(({ label, s, colour }, i) => ({
      label,
      values: [s.p50, s.p99, s.max],
      colour,
      dashed: i < stages.length - 1,
    })),
    { value: TARGET_P99_MS, label: `target: p99 < ${TARGET_P99_MS} ms` },
  );
}
