import type { machine } from './report.ts';
import { round } from './stats.ts';
import { barChart, stackCharts } from './svg-chart.ts';

/** What one process used over a phase of the benchmark. */
export interface ProcessUsage {
  readonly cpuSeconds: number;
  /** Bytes it handed to write-like calls: requests and responses on its sockets, its files. */
  readonly bytesWritten: number;
}

export interface ControllerFigures {
  readonly machine: ReturnType<typeof machine>;
  readonly shape: { readonly pods: number; readonly policies: number; readonly namespaces: number };
  readonly chunkSize: number;
  readonly policyEndpoints: number;
  readonly entries: number;
  readonly converge: {
    readonly seconds: number;
    readonly writesSeen: number;
    /**
     * Seconds after `seconds` until the controller and the API server were idle again (their work
     * on the last writes and echoes done); `usage` counts until then.
     */
    readonly settleSeconds: number;
    readonly usage: Record<string, ProcessUsage>;
  };
  readonly labelChange: {
    readonly changes: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly meanPoliciesChanged: number;
    readonly meanPolicyEndpointsWritten: number;
    readonly usage: Record<string, ProcessUsage>;
  };
  readonly peakMemoryMb: Record<string, number>;
}

export const CONTROLLER = 'palisade controller';
export const API_SERVER = 'kube-apiserver';
export const TARGETS = { convergeSeconds: 60, labelChangeP99Ms: 500, cpuShare: 0.15 };

/** The controller's CPU over the API server's, while converging and over the label changes. */
export function controllerShare(figures: ControllerFigures) {
  const share = (usage: Record<string, ProcessUsage>) => {
    const api = usage[API_SERVER]?.cpuSeconds ?? 0;
    return api > 0 ? round((usage[CONTROLLER]?.cpuSeconds ?? 0) / api, 3) : undefined;
  };
  const converge = share(figures.converge.usage);
  const labelChanges = share(figures.labelChange.usage);
  return {
    converge,
    labelChanges,
    met:
      converge === undefined || labelChanges === undefined
        ? undefined
        : Math.max(converge, labelChanges) < TARGETS.cpuShare,
  };
}

const megabytes = (bytes: number) => round(bytes / 1e6, 1);
const percent = (share: number | undefined) => (share === undefined ? '–' : `${round(share * 100, 1)}%`);
const verdict = (met: boolean | undefined) =>
  met === undefined ? 'not measured' : met ? '**met**' : '**missed**';

export function controllerMarkdown(figures: ControllerFigures): string {
  const { converge, labelChange, shape, machine } = figures;
  const share = controllerShare(figures);
  const names = Object.keys(converge.usage);
  const apiCpu = converge.usage[API_SERVER]?.cpuSeconds ?? 0;
  const controller = converge.usage[CONTROLLER];
  const available = round(converge.seconds * machine.cores, 1);
  return `
![controller benchmark](bench/results/controller.svg)

${shape.pods} pods in ${shape.namespaces} namespaces, ${shape.policies} NetworkPolicies, in a real kube-apiserver with etcd on this machine (${machine.cores} cores, ${machine.date.slice(0, 10)}); ${figures.policyEndpoints} PolicyEndpoints holding ${figures.entries} entries (pod IPs and CIDRs with their ports, at most ${figures.chunkSize} of each list per PolicyEndpoint, as AWS's controller writes them).

| measure | result | target |
|---|---|---|
| \`palisade controller\` started → a watch sees every PolicyEndpoint as the model wants it (created, changed by merge patches; ${converge.writesSeen} writes seen for ${figures.policyEndpoints} PolicyEndpoints) | ${converge.seconds} s | < ${TARGETS.convergeSeconds} s: ${verdict(converge.seconds < TARGETS.convergeSeconds)} |
| pod label change (PATCH) → every affected PolicyEndpoint seen updated by a watch, p50 / p99 over ${labelChange.changes} changes | ${labelChange.p50Ms} / ${labelChange.p99Ms} ms | p99 < ${TARGETS.labelChangeP99Ms} ms: ${verdict(labelChange.p99Ms < TARGETS.labelChangeP99Ms)} |
| policies whose entries a label change changes / PolicyEndpoint writes the watch saw per change (a controller that rewrites all would write ${figures.policyEndpoints}) | ${labelChange.meanPoliciesChanged} / ${labelChange.meanPolicyEndpointsWritten} | |
| the controller's CPU over the API server's: converging / over the label changes | ${percent(share.converge)} / ${percent(share.labelChanges)} | < ${percent(TARGETS.cpuShare)}: ${verdict(share.met)} |

What each process used (bytes written: what it handed to its sockets and files, requests and responses alike). Converging counts until the controller and the API server were idle again, ${converge.settleSeconds} s after the watch saw the last PolicyEndpoint, so that the label changes are charged only their own work:

| process | CPU-s converging | MB written converging | CPU-s in ${labelChange.changes} label changes | MB written in them | peak resident memory |
|---|---|---|---|---|---|
${names
  .map(
    (name) =>
      `| ${name} | ${converge.usage[name]?.cpuSeconds} | ${megabytes(converge.usage[name]?.bytesWritten ?? 0)} | ${labelChange.usage[name]?.cpuSeconds} | ${megabytes(labelChange.usage[name]?.bytesWritten ?? 0)} | ${figures.peakMemoryMb[name]} MB |`,
  )
  .join('\n')}

- Converging took ${converge.seconds} s, so ${available} CPU-seconds were there on ${machine.cores} cores; the API server alone used ${apiCpu} of them, so on this machine no client could converge in under ${round(apiCpu / machine.cores, 1)} s however little it did itself.
- Per converge the controller used ${controller?.cpuSeconds ?? '–'} CPU-s and wrote ${megabytes(controller?.bytesWritten ?? 0)} MB (${round((controller?.bytesWritten ?? 0) / Math.max(figures.policyEndpoints, 1) / 1000, 1)} kB per PolicyEndpoint); the API server wrote ${megabytes(converge.usage[API_SERVER]?.bytesWritten ?? 0)} MB.
`;
}

export function controllerChart(figures: ControllerFigures): string {
  const share = controllerShare(figures);
  const times = barChart('Controller against a real kube-apiserver (ms, log scale)', 'ms', [
    {
      label: `converge ${figures.shape.pods} pods / ${figures.shape.policies} policies`,
      value: figures.converge.seconds * 1000,
      kind: 'ours',
    },
    { label: 'converge target', value: TARGETS.convergeSeconds * 1000, kind: 'target' },
    { label: 'label change → PolicyEndpoints, p50', value: figures.labelChange.p50Ms, kind: 'ours' },
    { label: 'label change → PolicyEndpoints, p99', value: figures.labelChange.p99Ms, kind: 'ours' },
    { label: 'label change target (p99)', value: TARGETS.labelChangeP99Ms, kind: 'target' },
  ]);
  const usage = figures.converge.usage;
  const apiCpu = usage[API_SERVER]?.cpuSeconds ?? 0;
  const cpu = barChart(
    `CPU-s converging: controller ${percent(share.converge)} of the API server's (target < ${percent(TARGETS.cpuShare)})`,
    'CPU-s',
    [
      ...Object.entries(usage).map(([name, used]) => ({
        label: name,
        value: used.cpuSeconds,
        kind: name === CONTROLLER ? ('ours' as const) : ('alternative' as const),
      })),
      {
        label: `target: ${percent(TARGETS.cpuShare)} of the API server's`,
        value: apiCpu * TARGETS.cpuShare,
        kind: 'target',
      },
    ],
  );
  return stackCharts([times, cpu]);
}
