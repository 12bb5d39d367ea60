import { setTimeout as sleep } from 'node:timers/promises';
import { clusterPolicyEndpointsFor } from '../controller/cluster-policy-endpoints.ts';
import { EndpointsIndex } from '../controller/endpoints-index.ts';
import { keyOf } from '../kube/object-meta.ts';
import { encodeObject } from '../kube/objects.ts';
import type { Service } from '../kube/service.ts';
import { Cluster, type ClusterObject } from '../policy/cluster.ts';
import { type ClosedPod, closedPodsOf, type Enforcement } from './closed-pod.ts';
import { ClusterIpError, withClusterIPs } from './cluster-ips.ts';
import {
  type EndpointsRecord,
  LAB_DIR,
  type LabRecord,
  labCluster,
  readAgentReport,
  readEndpoints,
  readLab,
  readProxyReport,
  writeJson,
} from './lab-store.ts';

/**
 * Input the lab cannot take (the CLI exits 2 on it; the API answers `status`, 400 unless what it
 * names is not there, naming `field` when one field is at fault).
 */
export class LabInputError extends Error {
  override name = 'LabInputError';
  readonly field?: string;
  readonly status: 400 | 404;
  constructor(message: string, field?: string, status: 400 | 404 = 400) {
    super(message);
    this.field = field;
    this.status = status;
  }
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
 * The lab's controller: stores the objects (Services given ClusterIPs where they have none) and
 * the PolicyEndpoints and ClusterPolicyEndpoints computed from them, as the next generation the
 * agents enforce. Nothing is
 * written when a Service's ClusterIP cannot be taken.
 */
export function writeLabObjects(objects: readonly ClusterObject[]): EndpointsRecord {
  const services = objects.filter((object): object is Service => object.kind === 'Service');
  let allocated: Service[];
  try {
    allocated = withClusterIPs(services, labCluster().allServices());
  } catch (error) {
    if (error instanceof ClusterIpError) throw new LabInputError(error.message);
    throw error;
  }
  const cluster = Cluster.of([...objects.filter((object) => object.kind !== 'Service'), ...allocated]);
  writeJson('objects.json', everything(cluster).map(encodeObject));
  const record = {
    generation: (readEndpoints()?.generation ?? 0) + 1,
    endpoints: new EndpointsIndex(cluster).all(),
    clusterEndpoints: cluster
      .allClusterPolicies()
      .flatMap((policy) => clusterPolicyEndpointsFor(cluster, policy)),
  };
  writeJson('endpoints.json', record);
  return record;
}

/**
 * Waits until every node's agent, and the nodes' Service proxy, report `generation` applied, and
 * says which pods they closed; gives up at the first error reported or after `timeoutMs`.
 */
export async function waitForAgents(
  lab: LabRecord,
  generation: number,
  timeoutMs = 20000,
): Promise<Enforcement> {
  if (lab.datapath === 'simulated') return { closed: [] };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const agents = lab.nodes.map((node) => ({ node: node.name, report: readAgentReport(node.name) }));
    const reports = [
      ...agents.map(({ node, report }) => ({ who: `the agent of ${node}`, report })),
      { who: 'the Service proxy', report: readProxyReport() },
    ];
    const closed = agents.flatMap(({ node, report }) => (report ? closedPodsOf(node, report) : []));
    const failed = reports.find(({ report }) => report?.error);
    if (failed) return { closed, pending: `${failed.who} failed: ${failed.report?.error}` };
    const late = reports
      .filter(({ report }) => !report || report.generation < generation)
      .map(({ who }) => who);
    if (late.length === 0) return { closed };
    if (Date.now() > deadline)
      return {
        closed,
        pending: `${late.join(' and ')} did not enforce generation ${generation} within ${timeoutMs / 1000}s (see ${LAB_DIR}/*.log); the change is stored, and enforced once they catch up`,
      };
    await sleep(5);
  }
}

/** Waits for the agents as {@link waitForAgents} does, and fails unless they all enforce `generation`. */
export async function enforced(lab: LabRecord, generation: number): Promise<readonly ClosedPod[]> {
  const { closed, pending } = await waitForAgents(lab, generation);
  if (pending) throw new Error(pending);
  return closed;
}

const everything = (cluster: Cluster) => [
  ...cluster.allNamespaces(),
  ...cluster.allPods(),
  ...cluster.allServices(),
  ...cluster.allPolicies(),
  ...cluster.allClusterPolicies(),
];

/**
 * Adds or replaces NetworkPolicies, ClusterNetworkPolicies, Services and Namespaces in the lab,
 * recomputes the PolicyEndpoints, ClusterPolicyEndpoints and the nodes' Service rules, and returns
 * once every agent and the Service proxy enforce them; with `replacePolicies` these become the
 * only policies. Pods and endpoints are refused whole: nothing is half-applied.
 */
export async function applyToLab(
  incoming: readonly ClusterObject[],
  options: { replacePolicies?: boolean } = {},
): Promise<{ applied: string[]; generation: number } & Enforcement> {
  const lab = requireOwnPolicies();
  const refused = incoming.find(
    (object) =>
      object.kind === 'Pod' || object.kind === 'PolicyEndpoint' || object.kind === 'ClusterPolicyEndpoint',
  );
  if (refused) {
    throw new LabInputError(
      `lab apply takes NetworkPolicies, ClusterNetworkPolicies, Services and Namespaces, not ${refused.kind} ${keyOf(refused.metadata)}: pods come from \`lab up --state\`, endpoints from the lab's controller`,
    );
  }
  const cluster = labCluster();
  requireNamespaces(cluster, incoming);
  if (options.replacePolicies) {
    for (const policy of cluster.allPolicies()) cluster.delete('NetworkPolicy', keyOf(policy.metadata));
    for (const policy of cluster.allClusterPolicies())
      cluster.delete('ClusterNetworkPolicy', policy.metadata.name);
  }
  for (const object of incoming) cluster.set(object);
  const record = writeLabObjects(everything(cluster));
  return {
    applied: incoming.map((object) => `${object.kind} ${keyOf(object.metadata)}`),
    generation: record.generation,
    ...(await waitForAgents(lab, record.generation)),
  };
}

/**
 * Refuses objects in a namespace the lab does not have (neither its pods nor a Namespace object
 * name it, nor one applied with them), as the API server does: otherwise applying a policy to a
 * misspelt namespace would make that namespace, and it would outlive the policy.
 */
function requireNamespaces(cluster: Cluster, incoming: readonly ClusterObject[]): void {
  const known = new Set(cluster.allNamespaces().map((namespace) => namespace.metadata.name));
  for (const object of incoming) if (object.kind === 'Namespace') known.add(object.metadata.name);
  const stray = incoming.find(
    (object) =>
      (object.kind === 'NetworkPolicy' || object.kind === 'Service') && !known.has(object.metadata.namespace),
  );
  if (stray)
    throw new LabInputError(
      `${stray.kind} ${keyOf(stray.metadata)}: namespace ${JSON.stringify(stray.metadata.namespace)} not found in the lab (it has ${[...known].sort().join(', ')}); a Namespace of that name, applied first or with it by palisade lab apply, makes one`,
      'metadata.namespace',
      404,
    );
}

/**
 * Deletes NetworkPolicies (by `ns/name`) and ClusterNetworkPolicies (by name), all or none, and
 * waits for the agents.
 */
export function deletePoliciesFromLab(
  keys: readonly string[],
): Promise<{ generation: number } & Enforcement> {
  return deleteFromLab(keys.map(policyToDelete));
}

/** A policy named on the command line or in the API: `ns/name` a NetworkPolicy, a bare name a ClusterNetworkPolicy. */
export function policyToDelete(key: string): ObjectToDelete {
  return { kind: key.includes('/') ? 'NetworkPolicy' : 'ClusterNetworkPolicy', key };
}

export interface ObjectToDelete {
  readonly kind: 'NetworkPolicy' | 'ClusterNetworkPolicy' | 'Service';
  readonly key: string;
}

/** Deletes policies and Services by kind and key, all or none, and waits for the agents and the Service proxy. */
export async function deleteFromLab(
  objects: readonly ObjectToDelete[],
): Promise<{ generation: number } & Enforcement> {
  const lab = requireOwnPolicies();
  const cluster = labCluster();
  for (const { kind, key } of objects) {
    if (!cluster.delete(kind, key)) throw new LabInputError(`no ${kind} ${key} in the lab`, 'name', 404);
  }
  const record = writeLabObjects(everything(cluster));
  return { generation: record.generation, ...(await waitForAgents(lab, record.generation)) };
}
