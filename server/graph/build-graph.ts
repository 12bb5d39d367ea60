import type { Flow } from '../flows/flow.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import type { Cluster } from '../policy/cluster.ts';
import { defaultPorts } from '../policy/default-ports.ts';
import { formatPortProtocol, type PortProtocol } from '../policy/endpoint.ts';
import { computeMatrix } from '../policy/matrix.ts';
import { countConnections } from './connection-counts.ts';
import type { ViewService } from './graph-view.ts';
import { viewServices } from './view-services.ts';

/** What a node of the graph stands for: a pod, a workload (pods sharing an app), or a namespace. */
export type GraphGrouping = 'pod' | 'workload' | 'namespace';

/** Above this many pods the graph shows workloads, and above this many workloads namespaces. */
const AUTO_LIMIT = 120;

/** A node of the graph: a pod, or a group of pods. */
export interface GraphPod {
  /** `ns/name` for a pod or a workload, `namespace:ns` for a namespace. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** The pod's IP (pods only). */
  readonly ip?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** How many pods it stands for. */
  readonly pods: number;
  /** The policies that isolate its pods, per direction. */
  readonly isolatedBy: { readonly ingress: readonly string[]; readonly egress: readonly string[] };
  /** The PolicyEndpoints (`ns/name`) that list it among their selected pods (pods only). */
  readonly policyEndpoints: readonly string[];
}

/** Reachability from one node to another: per port what the policies say, and what was seen. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** Ports (`80/TCP`) the policies allow for some pair of their pods, and deny for some pair. */
  readonly allowed: readonly string[];
  readonly denied: readonly string[];
  /** Flow verdicts the agents reported between their pods. */
  readonly observed: { readonly allowed: number; readonly denied: number };
}

export interface PolicyGraph {
  readonly grouping: GraphGrouping;
  readonly ports: readonly string[];
  readonly namespaces: readonly string[];
  readonly pods: readonly GraphPod[];
  /** Every ordered pair of nodes with its verdicts on every port. */
  readonly edges: readonly GraphEdge[];
  /** Every Service, with the nodes holding its backends. */
  readonly services: readonly ViewService[];
}

/**
 * The workload a pod belongs to: its `app.kubernetes.io/name`, `app` or `k8s-app` label, else
 * its name without the suffixes controllers add (`web-7d9f8c6b5-x2x7q` → `web`).
 */
export function workloadOf(pod: Pod): string {
  const labels = pod.metadata.labels;
  return (
    labels['app.kubernetes.io/name'] ??
    labels.app ??
    labels['k8s-app'] ??
    pod.metadata.name.replace(/(-[a-f0-9]{8,10})?-[a-z0-9]{5}$/, '')
  );
}

function unitOf(pod: Pod, grouping: GraphGrouping): { id: string; name: string } {
  const namespace = pod.metadata.namespace;
  if (grouping === 'namespace') return { id: `namespace:${namespace}`, name: namespace };
  const name = grouping === 'workload' ? workloadOf(pod) : pod.metadata.name;
  return { id: `${namespace}/${name}`, name };
}

/** `auto`: pods while they are few, then workloads, then namespaces. */
export function chooseGrouping(cluster: Cluster, asked: GraphGrouping | 'auto'): GraphGrouping {
  if (asked !== 'auto') return asked;
  const pods = cluster.allPods();
  if (pods.length <= AUTO_LIMIT) return 'pod';
  const workloads = new Set(pods.map((pod) => unitOf(pod, 'workload').id));
  return workloads.size <= AUTO_LIMIT ? 'workload' : 'namespace';
}

/**
 * The graph of a cluster: what the policy model allows and denies between every pair of nodes
 * (pods, or groups of them) on `ports` (the ports that matter by default), overlaid with the
 * observed flows. Groups are judged by one pod of each kind the verdict matrix tells apart, so
 * the cost follows the number of distinct behaviours, not of pods.
 */
export function buildGraph(
  cluster: Cluster,
  flows: readonly Flow[],
  options: { grouping?: GraphGrouping | 'auto'; ports?: readonly PortProtocol[] } = {},
): PolicyGraph {
  const grouping = chooseGrouping(cluster, options.grouping ?? 'auto');
  const ports = options.ports ?? defaultPorts(cluster);
  // What the policies say changes only with the cluster; the flows overlay is redone each time.
  const key = `${cluster.version} ${grouping} ${ports.map(formatPortProtocol).join(',')}`;
  let verdicts = cached.get(cluster);
  if (verdicts?.key !== key) {
    verdicts = { key, graph: judge(cluster, grouping, ports) };
    cached.set(cluster, verdicts);
  }
  const observed = countConnections(cluster, flows, (pod) => unitOf(pod, grouping).id);
  const none = { allowed: 0, denied: 0 };
  return {
    ...verdicts.graph,
    edges: verdicts.graph.edges.map((edge) => ({
      ...edge,
      observed: observed.get(`${edge.from} ${edge.to}`) ?? none,
    })),
  };
}

const cached = new WeakMap<Cluster, { key: string; graph: PolicyGraph }>();

/** The graph's nodes and the verdicts of its edges, without flows. */
function judge(cluster: Cluster, grouping: GraphGrouping, ports: readonly PortProtocol[]): PolicyGraph {
  const pods = cluster.allPods();
  const matrix = computeMatrix(cluster, ports);
  const groupOf = new Map<Pod, number>();
  for (const group of matrix.groups) for (const pod of group.pods) groupOf.set(pod, group.id);

  const units = new Map<string, { node: GraphPod; members: Pod[] }>();
  for (const pod of pods) {
    const { id, name } = unitOf(pod, grouping);
    const unit: { node: GraphPod; members: Pod[] } = units.get(id) ?? {
      node: {
        id,
        namespace: pod.metadata.namespace,
        name,
        labels: {},
        pods: 0,
        isolatedBy: { ingress: [], egress: [] },
        policyEndpoints: [],
      },
      members: [],
    };
    unit.members.push(pod);
    units.set(id, unit);
  }
  // The PolicyEndpoints the cluster holds (the ones its agents enforce) that list each pod.
  const endpointsOf = new Map<string, string[]>();
  if (grouping === 'pod') {
    for (const endpoint of cluster.allPolicyEndpoints()) {
      // A dual-stack pod is listed once per IP; the PolicyEndpoint is named once.
      const listed = new Set(
        (endpoint.spec.podSelectorEndpoints ?? []).map((pod) => `${pod.namespace}/${pod.name}`),
      );
      for (const key of listed)
        endpointsOf.set(key, [...(endpointsOf.get(key) ?? []), keyOf(endpoint.metadata)]);
    }
  }
  const nodes = [...units.values()].map(({ node, members }): GraphPod => {
    const isolated = (direction: 'Ingress' | 'Egress') =>
      [
        ...new Set(
          members.flatMap((pod) =>
            cluster.policiesSelecting(pod, direction).map((policy) => keyOf(policy.metadata)),
          ),
        ),
      ].sort();
    const [only] = members;
    return {
      ...node,
      ip: members.length === 1 && grouping === 'pod' ? only?.podIP : undefined,
      labels: grouping === 'pod' && only ? only.metadata.labels : commonLabels(members),
      pods: members.length,
      isolatedBy: { ingress: isolated('Ingress'), egress: isolated('Egress') },
      policyEndpoints: endpointsOf.get(node.id) ?? [],
    };
  });

  // One pod per matrix group in each node stands for all its pods of that group.
  const representatives = new Map(
    [...units].map(([id, { members }]) => [
      id,
      [...new Map(members.map((pod) => [groupOf.get(pod), pod])).values()],
    ]),
  );
  const edges: GraphEdge[] = [];
  for (const [fromId, fromPods] of representatives) {
    for (const [toId, toPods] of representatives) {
      if (fromId === toId) continue;
      const allowed = new Set<number>();
      const denied = new Set<number>();
      for (const from of fromPods) {
        for (const to of toPods) {
          ports.forEach((_, i) => {
            (matrix.verdict(from, to, i).allowed ? allowed : denied).add(i);
          });
        }
      }
      const names = (indexes: Set<number>) => ports.filter((_, i) => indexes.has(i)).map(formatPortProtocol);
      edges.push({
        from: fromId,
        to: toId,
        allowed: names(allowed),
        denied: names(denied),
        observed: { allowed: 0, denied: 0 },
      });
    }
  }
  const services = viewServices(cluster, nodes, (pod) => unitOf(pod, grouping).id);
  return {
    grouping,
    ports: ports.map(formatPortProtocol),
    namespaces: cluster.allNamespaces().map((namespace) => namespace.metadata.name),
    pods: nodes,
    edges,
    services,
  };
}

/** The labels every pod of a group has, with the same value. */
function commonLabels(pods: readonly Pod[]): Record<string, string> {
  const [first, ...rest] = pods;
  return Object.fromEntries(
    Object.entries(first?.metadata.labels ?? {}).filter(([key, value]) =>
      rest.every((pod) => pod.metadata.labels[key] === value),
    ),
  );
}
