import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { EndpointsIndex } from '../server/controller/endpoints-index.ts';
import { DEFAULT_CHUNK_SIZE } from '../server/controller/policy-endpoints.ts';
import type { Namespace } from '../server/kube/namespace.ts';
import type { NetworkPolicy } from '../server/kube/network-policy.ts';
import { keyOf } from '../server/kube/object-meta.ts';
import { encodeObject } from '../server/kube/objects.ts';
import type { Pod } from '../server/kube/pod.ts';
import { ClusterInformers } from '../server/kube-api/cluster-informers.ts';
import { NETWORK_POLICIES, objectPath, PODS, POLICY_ENDPOINTS } from '../server/kube-api/informer.ts';
import { loadKubeConfig } from '../server/kube-api/kube-config.ts';
import { applyObject, rawRequest } from '../server/kube-api/raw-request.ts';
import { registerPods } from '../server/kube-api/register-pods.ts';
import { TestingApiServer } from '../server/kube-api/testing-api-server.ts';
import { logger } from '../server/log.ts';
import { Cluster } from '../server/policy/cluster.ts';
import {
  type ControllerFigures,
  controllerChart,
  controllerMarkdown,
  type ProcessUsage,
} from './controller-report.ts';
import { cpuSeconds, peakMemoryMb, writtenBytes } from './cpu.ts';
import { EntriesWatch } from './entries-watch.ts';
import { machine, progress, writeResults } from './report.ts';
import { percentile, round } from './stats.ts';
import { syntheticCluster } from './synthetic-cluster.ts';

/**
 * `npm run bench:controller`: 5,000 pods and 1,000 NetworkPolicies in a real kube-apiserver (with
 * etcd, built from source): the time for the controller to write every PolicyEndpoint, then 200
 * pod label changes, each timed from the PATCH to the moment a watch sees every affected
 * PolicyEndpoint as the model wants it.
 */
const shape = {
  namespaces: Number(process.env.BENCH_NAMESPACES ?? 100),
  podsPerNamespace: 50,
  policiesPerNamespace: 10,
};
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
/** Converging's work is over once each process uses less than this share of a core over a second… */
const IDLE_SHARE = 0.05;
/** …or after this long. */
const SETTLE_LIMIT_MS = 30_000;
/** The run stops when converging takes longer than this. */
const CONVERGE_LIMIT_MS = 20 * 60_000;
const quiet = { ...logger('bench'), info: () => {}, warn: () => {} };

/**
 * Waits until the processes are done with what converging started (the controller's echoes of
 * its last writes, a collection of the heap they grew): seconds waited, to a tenth.
 */
async function settled(pids: readonly number[]): Promise<number> {
  const started = performance.now();
  let before = pids.map(cpuSeconds);
  while (performance.now() - started < SETTLE_LIMIT_MS) {
    await sleep(1000);
    const now = pids.map(cpuSeconds);
    if (now.every((seconds, i) => seconds - (before[i] ?? 0) < IDLE_SHARE)) break;
    before = now;
  }
  return round((performance.now() - started) / 1000, 1);
}

const { objects } = syntheticCluster(shape);
const namespaces = objects.filter((object): object is Namespace => object.kind === 'Namespace');
const pods = objects.filter((object): object is Pod => object.kind === 'Pod');
const policies = objects.filter((object): object is NetworkPolicy => object.kind === 'NetworkPolicy');

progress('starting etcd, kube-apiserver and kube-controller-manager');
const api = await TestingApiServer.start();
try {
  const config = loadKubeConfig(api.kubeconfig);
  await api.installCrds(['policyendpoints']);

  progress(`registering ${namespaces.length} namespaces and ${pods.length} pods`);
  for (let i = 0; i < pods.length; i += 1000) {
    await registerPods(config, i === 0 ? namespaces : [], pods.slice(i, i + 1000), 16);
    progress(`  ${Math.min(i + 1000, pods.length)} pods`);
  }
  progress(`creating ${policies.length} NetworkPolicies`);
  const queue = [...policies];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let policy = queue.shift(); policy; policy = queue.shift()) {
        const path = objectPath(NETWORK_POLICIES, policy.metadata.namespace, policy.metadata.name);
        await applyObject(config, path, encodeObject(policy), 'bench');
      }
    }),
  );

  // The model's view, from the API server's objects (with their uids), to check the controller by.
  const model = new Cluster();
  const modelInformers = new ClusterInformers(config, [PODS, NETWORK_POLICIES], model, quiet);
  modelInformers.start();
  await modelInformers.synced();
  for (const namespace of namespaces) model.set(namespace);
  const desiredIndex = new EndpointsIndex(model);
  modelInformers.stop();

  // A watch on PolicyEndpoints, as a user would see them, tells when each policy's hold what the
  // model wants, however the controller spreads the entries over PolicyEndpoints.
  const watch = new EntriesWatch();
  const watcher = new ClusterInformers(config, [POLICY_ENDPOINTS], watch, quiet);
  watcher.start();
  await watcher.synced();

  progress('starting `palisade controller` (its own process): time until every PolicyEndpoint is right');
  mkdirSync(new URL('../.palisade', import.meta.url), { recursive: true });
  const controllerLog = openSync(new URL('../.palisade/bench-controller.log', import.meta.url), 'w');
  progress('  its log: .palisade/bench-controller.log');
  const desired = desiredIndex.all();
  /** CPU seconds and bytes written by each process since the last call: where the work goes on a shared machine. */
  const usageSince = (() => {
    let last: Record<string, ProcessUsage> = {};
    return (pids: Record<string, number>): Record<string, ProcessUsage> => {
      const now = Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [
          name,
          { cpuSeconds: cpuSeconds(pid), bytesWritten: writtenBytes(pid) },
        ]),
      );
      const used = Object.fromEntries(
        Object.entries(now).map(([name, usage]) => [
          name,
          {
            cpuSeconds: round(usage.cpuSeconds - (last[name]?.cpuSeconds ?? 0), 1),
            bytesWritten: usage.bytesWritten - (last[name]?.bytesWritten ?? 0),
          },
        ]),
      );
      last = now;
      return used;
    };
  })();
  const started = performance.now();
  const converged = watch.until(desired);
  const controller = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      new URL('../agent/cli/main.ts', import.meta.url).pathname,
      'controller',
      '--kubeconfig',
      api.kubeconfig,
    ],
    { stdio: ['ignore', controllerLog, controllerLog] },
  );
  const pids = {
    'kube-apiserver': api.pids().apiserver,
    etcd: api.pids().etcd,
    'kube-controller-manager (garbage collector)': api.pids().controllerManager,
    'palisade controller': controller.pid ?? 0,
    'this benchmark': process.pid,
  };
  usageSince(pids);
  try {
    const convergedInTime = await Promise.race([
      converged.then(() => true),
      // Unreferenced: a time limit that is not reached must not keep the process alive after the run.
      sleep(CONVERGE_LIMIT_MS, undefined, { ref: false }).then(() => false),
    ]);
    if (!convergedInTime)
      throw new Error(
        `the PolicyEndpoints were not as the model wants them ${CONVERGE_LIMIT_MS / 60_000} minutes after the start`,
      );
    const convergeMs = performance.now() - started;
    const settleSeconds = await settled([pids['kube-apiserver'], pids['palisade controller']]);
    const convergeUsage = usageSince(pids);
    const written = watch.size;
    const convergeWrites = watch.events;
    const entries = desired.reduce(
      (sum, endpoint) =>
        sum +
        (endpoint.spec.ingress?.length ?? 0) +
        (endpoint.spec.egress?.length ?? 0) +
        (endpoint.spec.podSelectorEndpoints?.length ?? 0),
      0,
    );
    progress(`  ${written} PolicyEndpoints (${entries} entries) in ${round(convergeMs / 1000, 1)} s`);

    progress(`${CHANGES} pod label changes, each until the watch sees its PolicyEndpoints right`);
    const latencies: number[] = [];
    let endpointsPerChange = 0;
    let policiesPerChange = 0;
    const movable = pods.filter((pod) => pod.metadata.labels.tier === 'frontend');
    for (let i = 0; i < CHANGES; i++) {
      const pod = model.pod(keyOf((movable[Math.floor(i / 2) % movable.length] as Pod).metadata)) as Pod;
      const tier = i % 2 === 0 ? 'backend' : 'frontend';
      const changed: Pod = {
        ...pod,
        metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, tier } },
      };
      const wanted = [...desiredIndex.set(changed).updated].flatMap((key) => desiredIndex.of(key));
      if (wanted.length === 0)
        throw new Error(`moving ${keyOf(pod.metadata)} to tier ${tier} changes no PolicyEndpoint`);
      policiesPerChange += new Set(wanted.map((endpoint) => keyOf(endpoint.spec.policyRef))).size;
      const eventsBefore = watch.events;
      const t0 = performance.now();
      const updated = watch.until(wanted);
      await rawRequest(config, 'PATCH', objectPath(PODS, pod.metadata.namespace, pod.metadata.name), {
        contentType: 'application/merge-patch+json',
        data: JSON.stringify({ metadata: { labels: { tier } } }),
      });
      const seen = await Promise.race([
        updated.then(() => true),
        sleep(60_000, undefined, { ref: false }).then(() => false),
      ]);
      if (!seen)
        throw new Error(
          `moving ${keyOf(pod.metadata)} to tier ${tier}: its PolicyEndpoints were not as the model wants them after 60 s`,
        );
      latencies.push(performance.now() - t0);
      endpointsPerChange += watch.events - eventsBefore;
    }
    const labelChangeUsage = usageSince(pids);
    const peakMemory = Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, peakMemoryMb(pid)]),
    );
    watcher.stop();
    const figures: ControllerFigures = {
      machine: machine(),
      shape: { pods: pods.length, policies: policies.length, namespaces: namespaces.length },
      chunkSize: DEFAULT_CHUNK_SIZE,
      policyEndpoints: written,
      entries,
      converge: {
        seconds: round(convergeMs / 1000, 1),
        writesSeen: convergeWrites,
        settleSeconds,
        usage: convergeUsage,
      },
      labelChange: {
        changes: CHANGES,
        p50Ms: round(percentile(latencies, 50), 1),
        p99Ms: round(percentile(latencies, 99), 1),
        meanPoliciesChanged: round(policiesPerChange / CHANGES, 1),
        meanPolicyEndpointsWritten: round(endpointsPerChange / CHANGES, 1),
        usage: labelChangeUsage,
      },
      peakMemoryMb: peakMemory,
    };
    writeResults('controller', figures, controllerChart(figures), controllerMarkdown(figures));
    progress('results in bench/results/controller.{json,md,svg} and the README');
  } finally {
    controller.kill('SIGTERM');
  }
} finally {
  await api.stop();
}
