import { spawn } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { addon } from '../agent/datapath/addon.ts';
import { datapathOf } from '../agent/datapath/introspect.ts';
import {
  decodeRuleValue,
  encodeExactKey,
  LAYOUT,
  MODE,
  RULE_SET_INDEX_SIZE,
} from '../agent/datapath/layout.ts';
import { podDir } from '../agent/datapath/pins.ts';
import { decodeObject, encodeObject } from '../server/kube/objects.ts';
import type { ClusterSink } from '../server/kube-api/cluster-informers.ts';
import { ClusterInformers } from '../server/kube-api/cluster-informers.ts';
import { NETWORK_POLICIES, objectPath, POLICY_ENDPOINTS } from '../server/kube-api/informer.ts';
import { loadKubeConfig } from '../server/kube-api/kube-config.ts';
import { applyObject } from '../server/kube-api/raw-request.ts';
import { TestingApiServer } from '../server/kube-api/testing-api-server.ts';
import type { LabPodRecord } from '../server/lab/lab-store.ts';
import { logger } from '../server/log.ts';
import { parseIp } from '../server/net/ip.ts';
import type { ClusterObject } from '../server/policy/cluster.ts';
import { benchLab, onTheLab } from './bench-lab.ts';
import {
  type EnforcementFigures,
  enforcementChart,
  enforcementMarkdown,
  stageSummary,
} from './enforcement-report.ts';
import { machine, progress, writeResults } from './report.ts';

/**
 * `npm run bench:enforcement` (root, eBPF, the Kubernetes binaries; under the lab lock): a
 * NetworkPolicy change through the real path, 200 times: written to a real kube-apiserver,
 * turned into a PolicyEndpoint by `palisade controller`, read by the lab's agents from their
 * PolicyEndpoint watch, and programmed into the kernel. Each change is timed from the write to
 * the moment the server pod's live rule map in the kernel holds it, and split where a watch of
 * our own sees the controller's PolicyEndpoint.
 */
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const quiet = { ...logger('bench'), info: () => {}, warn: () => {} };

const ROOT = new URL('..', import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), 'palisade-bench-enforcement-'));

/** The port of the first allowed range the server's live ingress rules hold for `peer`, if enforced. */
function enforcedPort(server: LabPodRecord, peer: string): number | undefined {
  const state = datapathOf(server).state();
  if (state.ingressMode !== MODE.enforce) return undefined;
  const ip = parseIp(peer);
  if (!ip) throw new Error(`${peer} is not an address`);
  // A pod IP is a whole address: its entry in the exact map holds the index of its rule set.
  const dir = podDir(server.node, server.ifname);
  const lookup = (map: string, key: Buffer, valueSize: number) => {
    const fd = addon().openPinned(`${dir}/${map}_${state.activeSlot}`);
    try {
      return addon().mapLookup(fd, key, valueSize);
    } finally {
      addon().closeFd(fd);
    }
  };
  const index = lookup('ingress_exact', encodeExactKey(ip.family, ip.value), RULE_SET_INDEX_SIZE);
  const value = index && lookup('ingress_sets', index, LAYOUT.rule_value.size);
  return value ? decodeRuleValue(value)[0]?.start : undefined;
}

/** When a watch of PolicyEndpoints first saw the bench policy's allowing `port`. */
class EndpointSeen implements ClusterSink {
  private wanted = 0;
  private seen = () => {};

  set(object: ClusterObject): void {
    if (object.kind !== 'PolicyEndpoint' || object.spec.policyRef.name !== 'bench') return;
    const ports = (object.spec.ingress ?? []).flatMap((entry) =>
      (entry.ports ?? []).map((port) => port.port),
    );
    if (ports.includes(this.wanted)) this.seen();
  }

  delete(): void {}

  /** Resolves with performance.now() when a PolicyEndpoint allowing `port` arrives. */
  until(port: number): Promise<number> {
    this.wanted = port;
    return new Promise((resolve) => {
      this.seen = () => {
        this.wanted = 0;
        resolve(performance.now());
      };
    });
  }
}

const policy = (port: number) =>
  decodeObject({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'bench', namespace: 'bench' },
    spec: {
      podSelector: { matchLabels: { app: 'server' } },
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port }] },
      ],
    },
  });

progress('starting etcd, kube-apiserver and kube-controller-manager');
const api = await TestingApiServer.start();
try {
  await api.installCrds(['policyendpoints']);
  const config = loadKubeConfig(api.kubeconfig);
  delete process.env.PALISADE_INGEST_URL;
  await onTheLab(15, async (cleanups) => {
    const { server, client } = await benchLab(folder, { kubeconfig: api.kubeconfig });
    const controllerLog = openSync(join(folder, 'controller.log'), 'w');
    progress(`starting \`palisade controller\` (its log: ${join(folder, 'controller.log')})`);
    const controller = spawn(`${ROOT}bin/palisade`, ['controller', '--kubeconfig', api.kubeconfig], {
      stdio: ['ignore', controllerLog, controllerLog],
    });
    cleanups.push(() => controller.kill('SIGTERM'));
    const seen = new EndpointSeen();
    const watch = new ClusterInformers(config, [POLICY_ENDPOINTS], seen, quiet);
    watch.start();
    cleanups.push(() => watch.stop());
    await watch.synced();

    const path = objectPath(NETWORK_POLICIES, 'bench', 'bench');
    /** Writes the policy allowing `port` and times each stage until the kernel enforces it. */
    const change = async (port: number) => {
      const endpointSeen = seen.until(port);
      const start = performance.now();
      await applyObject(config, path, encodeObject(policy(port)), 'bench');
      const written = performance.now();
      let enforced = 0;
      while (!enforced) {
        if (enforcedPort(server, client.ip) === port) enforced = performance.now();
        else if (performance.now() - start > 20_000)
          throw new Error(`port ${port} was not enforced 20 s after the policy was written`);
        else await sleep(1);
      }
      const watched = await Promise.race([endpointSeen, sleep(20_000).then(() => Number.NaN)]);
      return { write: written - start, watch: Math.min(watched, enforced) - start, total: enforced - start };
    };
    progress('the first policy: waiting for the controller and the agents to start enforcing');
    await change(8000);
    progress(`${CHANGES} changes, each until the kernel enforces it`);
    const samples = [];
    for (let i = 1; i <= CHANGES; i++) samples.push(await change(8000 + (i % 2)));
    const figures: EnforcementFigures = {
      machine: machine(),
      changes: CHANGES,
      ...stageSummary(samples),
    };
    writeResults('enforcement', figures, enforcementChart(figures), enforcementMarkdown(figures));
    progress('results in bench/results/enforcement.{json,md,svg} and the README');
  });
} finally {
  await api.stop();
}
