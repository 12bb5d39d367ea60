import { setTimeout as sleep } from 'node:timers/promises';
import { EndpointsIndex } from '../controller/endpoints-index.ts';
import { keyOf } from '../kube/object-meta.ts';
import { encodeObject } from '../kube/objects.ts';
import { Cluster, type ClusterObject } from '../policy/cluster.ts';
import {
  type EndpointsRecord,
  LAB_DIR,
  type LabRecord,
  labCluster,
  readAgentReport,
  readEndpoints,
  readLab,
  writeJson,
} from './lab-store.ts';

/** Input the lab cannot take (the CLI exits 2 on it; the API answers 400). */
export class LabInputError extends Error {
  override name = 'LabInputError';
}

export function requireLab(): LabRecord {
  const lab = readLab();
  if (!lab) throw new Error('the lab is not up: run `palisade lab up`');
  return lab;
}

/** The lab, when its policies are its own to change (not a cluster's, with `lab up --kube`). */
function requireOwnPolicies(): LabRecord {
  const lab = requireLab();
  if (lab.kubeconfig) {
    throw new LabInputError(
      `the lab enforces the policies of the cluster in ${lab.kubeconfig}: change them there (kubectl apply/delete)`,
    );
  }
  return lab;
}

/**
 * The lab's controller: stores the objects and the PolicyEndpoints computed from them, as the
 * next generation the agents enforce.
 */
export function writeLabObjects(objects: readonly ClusterObject[]): EndpointsRecord {
  const cluster = Cluster.of(objects);
  writeJson(
    'objects.json',
    [...cluster.allNamespaces(), ...cluster.allPods(), ...cluster.allPolicies()].map(encodeObject),
  );
  const record = {
    generation: (readEndpoints()?.generation ?? 0) + 1,
    endpoints: new EndpointsIndex(cluster).all(),
  };
  writeJson('endpoints.json', record);
  return record;
}

/** Waits until every node's agent reports `generation` applied; fails with the agent's error or a timeout. */
export async function waitForAgents(lab: LabRecord, generation: number, timeoutMs = 20000): Promise<void> {
  if (lab.datapath === 'simulated') return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reports = lab.nodes.map((node) => ({ node: node.name, report: readAgentReport(node.name) }));
    const failed = reports.find(({ report }) => report?.error);
    if (failed) throw new Error(`agent of ${failed.node}: ${failed.report?.error}`);
    if (reports.every(({ report }) => report && report.generation >= generation)) return;
    if (Date.now() > deadline) {
      const late = reports
        .filter(({ report }) => !report || report.generation < generation)
        .map(({ node }) => node);
      throw new Error(
        `agents of ${late.join(', ')} did not apply generation ${generation} within ${timeoutMs / 1000}s (see ${LAB_DIR}/agent-*.log)`,
      );
    }
    await sleep(5);
  }
}

const everything = (cluster: Cluster) => [
  ...cluster.allNamespaces(),
  ...cluster.allPods(),
  ...cluster.allPolicies(),
];

/**
 * Adds or replaces NetworkPolicies and Namespaces in the lab, recomputes the PolicyEndpoints,
 * and returns once every agent enforces them; with `replacePolicies` these become the only
 * policies. Pods and PolicyEndpoints are refused whole: nothing is half-applied.
 */
export async function applyToLab(
  incoming: readonly ClusterObject[],
  options: { replacePolicies?: boolean } = {},
): Promise<{ applied: string[]; generation: number }> {
  const lab = requireOwnPolicies();
  const refused = incoming.find((object) => object.kind === 'Pod' || object.kind === 'PolicyEndpoint');
  if (refused) {
    throw new LabInputError(
      `lab apply takes NetworkPolicies and Namespaces, not ${refused.kind} ${keyOf(refused.metadata)}: pods come from \`lab up --state\``,
    );
  }
  const cluster = labCluster();
  if (options.replacePolicies) {
    for (const policy of cluster.allPolicies()) cluster.delete('NetworkPolicy', keyOf(policy.metadata));
  }
  for (const object of incoming) cluster.set(object);
  const record = writeLabObjects(everything(cluster));
  await waitForAgents(lab, record.generation);
  return {
    applied: incoming.map((object) => `${object.kind} ${keyOf(object.metadata)}`),
    generation: record.generation,
  };
}

/** Deletes NetworkPolicies by key (`ns/name`), all or none, and waits for the agents. */
export async function deletePoliciesFromLab(keys: readonly string[]): Promise<number> {
  const lab = requireOwnPolicies();
  const cluster = labCluster();
  for (const key of keys) {
    if (!cluster.delete('NetworkPolicy', key)) throw new LabInputError(`no NetworkPolicy ${key} in the lab`);
  }
  const record = writeLabObjects(everything(cluster));
  await waitForAgents(lab, record.generation);
  return record.generation;
}
