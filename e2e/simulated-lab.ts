import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SyntheticShape, syntheticCluster } from '../bench/synthetic-cluster.ts';
import { encodeObject } from '../server/kube/objects.ts';
import type { Pod } from '../server/kube/pod.ts';
import type { Cluster, ClusterObject } from '../server/policy/cluster.ts';

/** The agents' token of the simulated lab's one node. */
export const SIMULATED_TOKEN = 'simulated-token';

/**
 * A simulated lab holding a synthetic cluster (no namespaces, no packets): the dashboard reads it
 * as it reads `npm start`'s lab when started with `PALISADE_LAB_DIR` set to `labDir`. `replace`
 * rewrites its objects at once (a policy change, as `palisade lab apply` makes one).
 */
export function simulatedLab(shape: SyntheticShape): SimulatedLab {
  const { cluster, objects } = syntheticCluster(shape);
  return simulatedLabOf(cluster, objects);
}

export interface SimulatedLab {
  labDir: string;
  dataDir: string;
  cluster: Cluster;
  objects: ClusterObject[];
  replace: (objects: readonly ClusterObject[]) => void;
}

/** A simulated lab (as {@link simulatedLab}) holding the given objects. */
export function simulatedLabOf(cluster: Cluster, objects: ClusterObject[]): SimulatedLab {
  const labDir = mkdtempSync(join(tmpdir(), 'palisade-simulated-lab-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'palisade-simulated-data-'));
  const store = (name: string, value: unknown) => {
    writeFileSync(join(labDir, `${name}.new`), JSON.stringify(value));
    renameSync(join(labDir, `${name}.new`), join(labDir, name));
  };
  store('objects.json', objects.map(encodeObject));
  store('lab.json', {
    nodes: [{ name: 'simulated-node', index: 1 }],
    pods: [],
    processes: [],
    strict: false,
    datapath: 'simulated',
    simulatedBecause: 'a synthetic cluster (no packets)',
  });
  store('tokens.json', { 'simulated-node': SIMULATED_TOKEN });
  return {
    labDir,
    dataDir,
    cluster,
    objects,
    replace: (next) => store('objects.json', next.map(encodeObject)),
  };
}

/**
 * `count` flows between the cluster's pods, as the simulated node's agent would send them (a
 * third denied), stamped `time`; `seed` varies the pairs.
 */
export function syntheticFlows(pods: readonly Pod[], count: number, time: number, seed = 0) {
  return Array.from({ length: count }, (_, i) => {
    const from = pods[(seed * count + i) % pods.length] as Pod;
    const to = pods[(seed * 7 + i * 13) % pods.length] as Pod;
    return {
      time,
      node: 'simulated-node',
      pod: `${to.metadata.namespace}/${to.metadata.name}`,
      direction: 'ingress',
      verdict: i % 3 === 0 ? 'deny' : 'allow',
      kind: i % 3 === 0 ? 'denied' : 'new-flow',
      src: from.podIP,
      sport: 30000 + (i % 30000),
      dst: to.podIP,
      dport: 8080,
      protocol: 6,
    };
  });
}

/** Sends flows to the dashboard's ingest as the simulated node's agent; whether it took them. */
export async function ingest(base: string, flows: readonly object[]): Promise<boolean> {
  const response = await fetch(`${base}/api/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SIMULATED_TOKEN}` },
    body: JSON.stringify({ node: 'simulated-node', dropped: 0, flows }),
  });
  await response.arrayBuffer();
  return response.ok;
}
