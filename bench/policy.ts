import { EndpointsIndex } from '../server/controller/endpoints-index.ts';
import { decodeObject } from '../server/kube/objects.ts';
import type { Pod } from '../server/kube/pod.ts';
import { Cluster } from '../server/policy/cluster.ts';
import { defaultPorts } from '../server/policy/default-ports.ts';
import { evaluate } from '../server/policy/evaluate.ts';
import { computeMatrix } from '../server/policy/matrix.ts';
import { previewChange } from '../server/policy/preview.ts';
import { machine, progress, writeResults } from './report.ts';
import { median, percentile, round, timeRuns } from './stats.ts';
import { barChart } from './svg-chart.ts';
import { syntheticCluster } from './synthetic-cluster.ts';

/**
 * `npm run bench:policy`: the verdict matrix, a policy change's preview and the PolicyEndpoints
 * of 2,000 pods in 50 namespaces with 500 policies, and the incremental update after one pod's
 * labels change, each against the straightforward alternative (pair by pair; recompute everything).
 */
const shape = { namespaces: 50, podsPerNamespace: 40, policiesPerNamespace: 10 };
progress(
  `building ${shape.namespaces * shape.podsPerNamespace} pods, ${shape.namespaces * shape.policiesPerNamespace} policies`,
);
const { cluster } = syntheticCluster(shape);
const pods = cluster.allPods();
const ports = defaultPorts(cluster);
const endpointOf = (pod: Pod) => ({ pod, ip: cluster.ipOf(pod) });

progress(`verdict matrix over ${ports.length} ports (5 runs)`);
let groups = 0;
const matrixRuns = timeRuns(5, () => {
  groups = computeMatrix(cluster, ports).groups.length;
});

// The alternative: every pod pair evaluated on its own. Too slow to run whole, so a sample of
// sources is timed and scaled to all of them.
const sampleSources = pods.filter((_, i) => i % 50 === 0);
progress(`pair-by-pair evaluation for ${sampleSources.length} of ${pods.length} sources`);
const [pairSample = 0] = timeRuns(1, () => {
  for (const from of sampleSources) {
    for (const to of pods) {
      if (from === to) continue;
      for (const target of ports) evaluate(cluster, endpointOf(from), endpointOf(to), target);
    }
  }
});
const pairByPair = (pairSample * pods.length) / sampleSources.length;

progress('preview of a policy that opens one namespace to all ingress (3 runs)');
const openAll = decodeObject({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'open-all', namespace: 'ns-0' },
  spec: { podSelector: {}, ingress: [{}] },
});
let preview = previewChange(cluster, [openAll], []);
const previewRuns = timeRuns(3, () => {
  preview = previewChange(cluster, [openAll], []);
});
// The alternative: both matrices, then every pair of pods and port compared (as a preview did
// before it compared groups); the pairs of a sample of sources, scaled to all of them.
const after = Cluster.of([...cluster.allNamespaces(), ...pods, ...cluster.allPolicies(), openAll]);
const [matricesMs = 0] = timeRuns(1, () => {
  computeMatrix(cluster, ports);
  computeMatrix(after, ports);
});
const [was, will] = [computeMatrix(cluster, ports), computeMatrix(after, ports)];
let sampleChanges = 0;
const [previewPairSample = 0] = timeRuns(1, () => {
  for (const from of sampleSources)
    for (const to of pods) {
      if (from === to) continue;
      for (let i = 0; i < ports.length; i++)
        if (was.verdict(from, to, i).allowed !== will.verdict(from, to, i).allowed) sampleChanges++;
    }
});
progress(`  ${sampleChanges} changed connections from the sample's sources`);
const previewPairByPair = matricesMs + (previewPairSample * pods.length) / sampleSources.length;

progress('all PolicyEndpoints from scratch (3 runs)');
let index = new EndpointsIndex(cluster);
const fullRuns = timeRuns(3, () => {
  index = new EndpointsIndex(cluster);
});
const endpointCount = index.all().length;

progress('200 incremental updates after one pod’s labels change');
const incremental: number[] = [];
const incrementalWithWrite: number[] = [];
let changedPolicies = 0;
for (let i = 0; i < 200; i++) {
  const pod = pods[(i * 37) % pods.length];
  if (!pod) continue;
  const labels = { ...pod.metadata.labels, app: i % 2 === 0 ? 'api' : 'web', version: `v${i}` };
  const changed = decodeObject({
    kind: 'Pod',
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, labels },
    spec: { nodeName: pod.nodeName, containers: [{ name: 'main', ports: pod.ports }] },
    status: { podIP: pod.podIP, hostIP: pod.hostIP, phase: 'Running' },
  });
  const start = performance.now();
  const { updated } = index.set(changed);
  incremental.push(performance.now() - start);
  // What a controller then writes: the PolicyEndpoints of each policy that changed.
  for (const key of updated) index.of(key);
  incrementalWithWrite.push(performance.now() - start);
  changedPolicies += updated.size;
}

progress('50 pods added and 50 deleted');
const churn: number[] = [];
for (let i = 0; i < 100; i++) {
  const start = performance.now();
  const { updated } = i < 50 ? index.set(churnPod(i)) : index.delete('Pod', `ns-${i % 50}/extra-${i - 50}`);
  for (const key of updated) index.of(key);
  churn.push(performance.now() - start);
}

function churnPod(i: number) {
  return decodeObject({
    kind: 'Pod',
    metadata: {
      name: `extra-${i}`,
      namespace: `ns-${(i + 50) % 50}`,
      labels: { app: 'worker', tier: 'backend' },
    },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
    status: { podIP: `10.99.0.${i + 1}`, hostIP: '10.250.0.1', phase: 'Running' },
  });
}

const figures = {
  machine: machine(),
  shape: {
    pods: pods.length,
    namespaces: shape.namespaces,
    policies: cluster.allPolicies().length,
    ports: ports.length,
  },
  matrix: {
    groups,
    verdicts: pods.length * (pods.length - 1) * ports.length,
    medianMs: round(median(matrixRuns)),
    pairByPairMs: round(pairByPair),
    speedup: round(pairByPair / median(matrixRuns), 1),
    targetMs: 2000,
  },
  preview: {
    medianMs: round(median(previewRuns)),
    pairByPairMs: round(previewPairByPair),
    speedup: round(previewPairByPair / median(previewRuns), 1),
    opens: preview.opens,
    closes: preview.closes,
  },
  policyEndpoints: { count: endpointCount, fullMs: round(median(fullRuns)) },
  incremental: {
    updates: incremental.length,
    p50Ms: round(percentile(incremental, 50), 3),
    p99Ms: round(percentile(incremental, 99), 3),
    withWriteP50Ms: round(percentile(incrementalWithWrite, 50), 3),
    withWriteP99Ms: round(percentile(incrementalWithWrite, 99), 3),
    meanPoliciesChanged: round(changedPolicies / incremental.length, 1),
    speedupVsFull: round(median(fullRuns) / percentile(incrementalWithWrite, 50), 1),
    targetMs: 20,
  },
  podChurn: {
    events: churn.length,
    p50Ms: round(percentile(churn, 50), 3),
    p99Ms: round(percentile(churn, 99), 3),
  },
};

const chart = barChart('Policy model: 2,000 pods, 500 policies', 'ms', [
  { label: 'matrix, grouped (Palisade)', value: figures.matrix.medianMs, kind: 'ours' },
  { label: 'matrix, pair by pair', value: figures.matrix.pairByPairMs, kind: 'alternative' },
  { label: 'matrix target', value: 2000, kind: 'target' },
  { label: 'preview of a change, grouped (Palisade)', value: figures.preview.medianMs, kind: 'ours' },
  { label: 'preview, pair by pair', value: figures.preview.pairByPairMs, kind: 'alternative' },
  { label: 'label change → PolicyEndpoints, p99', value: figures.incremental.withWriteP99Ms, kind: 'ours' },
  { label: 'pod added/deleted → PolicyEndpoints, p99', value: figures.podChurn.p99Ms, kind: 'ours' },
  { label: 'PolicyEndpoints, from scratch', value: figures.policyEndpoints.fullMs, kind: 'alternative' },
  { label: 'incremental target', value: 20, kind: 'target' },
]);

const markdown = `
Policy model on ${figures.machine.cores} cores (${figures.machine.cpu}), Node ${figures.machine.node}, ${figures.machine.date.slice(0, 10)}:
${figures.shape.pods} pods in ${figures.shape.namespaces} namespaces, ${figures.shape.policies} policies, ${figures.shape.ports} ports.

| measure | Palisade | alternative | ratio | target |
|---|---|---|---|---|
| full verdict matrix (${figures.matrix.verdicts.toLocaleString('en')} verdicts, ${figures.matrix.groups} pod groups) | ${figures.matrix.medianMs} ms | ${figures.matrix.pairByPairMs} ms pair by pair (scaled from ${sampleSources.length} sources) | ${figures.matrix.speedup}x | < 2000 ms |
| preview of a change (one namespace opened to all ingress: ${figures.preview.opens.toLocaleString('en')} connections open, ${figures.preview.closes.toLocaleString('en')} close), matrices before and after included | ${figures.preview.medianMs} ms | ${figures.preview.pairByPairMs} ms pair by pair (scaled from ${sampleSources.length} sources) | ${figures.preview.speedup}x | |
| PolicyEndpoints after one pod's labels change, p50 / p99: desired state updated, and the ${figures.incremental.meanPoliciesChanged} changed policies' PolicyEndpoints assembled on average | ${figures.incremental.withWriteP50Ms} / ${figures.incremental.withWriteP99Ms} ms (state alone ${figures.incremental.p50Ms} / ${figures.incremental.p99Ms}) | ${figures.policyEndpoints.fullMs} ms recomputing all ${figures.policyEndpoints.count} | ${figures.incremental.speedupVsFull}x | < 20 ms |
| PolicyEndpoints after a pod is added or deleted, p50 / p99 | ${figures.podChurn.p50Ms} / ${figures.podChurn.p99Ms} ms | | | |

![policy benchmark](bench/results/policy.svg)
`;
writeResults('policy', figures, chart, markdown);
process.stdout.write(`${markdown.trim()}\n`);
