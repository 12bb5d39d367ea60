import type { Flow } from '../flows/flow.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Cluster } from '../policy/cluster.ts';
import { defaultPorts } from '../policy/default-ports.ts';
import { formatPortProtocol, type PortProtocol } from '../policy/endpoint.ts';
import { computeMatrix } from '../policy/matrix.ts';

/** A pod of the graph. */
export interface GraphPod {
  /** `ns/name`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly ip?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The policies that isolate the pod, per direction. */
  readonly isolatedBy: { readonly ingress: readonly string[]; readonly egress: readonly string[] };
}

/** Reachability from one pod to another: per port what the policies say, and what was seen. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** Ports (`80/TCP`) the policies allow and deny for this pair. */
  readonly allowed: readonly string[];
  readonly denied: readonly string[];
  /** Flow verdicts the agents reported for this pair. */
  readonly observed: { readonly allowed: number; readonly denied: number };
}

export interface PolicyGraph {
  readonly ports: readonly string[];
  readonly namespaces: readonly string[];
  readonly pods: readonly GraphPod[];
  /** Every ordered pair of pods with its verdicts on every port. */
  readonly edges: readonly GraphEdge[];
}

/**
 * The pod-to-pod graph of a cluster: what the policy model allows and denies between every pair
 * of pods on `ports` (the ports that matter by default), overlaid with the observed flows.
 */
export function buildGraph(
  cluster: Cluster,
  flows: readonly Flow[],
  ports: readonly PortProtocol[] = defaultPorts(cluster),
): PolicyGraph {
  const pods = cluster.allPods();
  const matrix = computeMatrix(cluster, ports);
  const observed = new Map<string, { allowed: number; denied: number }>();
  for (const flow of flows) {
    const from = cluster.podByIp(flow.src);
    const to = cluster.podByIp(flow.dst);
    if (!from || !to) continue;
    const key = `${keyOf(from.metadata)} ${keyOf(to.metadata)}`;
    const counts = observed.get(key) ?? { allowed: 0, denied: 0 };
    if (flow.verdict === 'allow') counts.allowed++;
    else counts.denied++;
    observed.set(key, counts);
  }
  const edges: GraphEdge[] = [];
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      const allowed: string[] = [];
      const denied: string[] = [];
      ports.forEach((port, i) => {
        (matrix.verdict(from, to, i).allowed ? allowed : denied).push(formatPortProtocol(port));
      });
      const id = `${keyOf(from.metadata)} ${keyOf(to.metadata)}`;
      edges.push({
        from: keyOf(from.metadata),
        to: keyOf(to.metadata),
        allowed,
        denied,
        observed: observed.get(id) ?? { allowed: 0, denied: 0 },
      });
    }
  }
  return {
    ports: ports.map(formatPortProtocol),
    namespaces: cluster.allNamespaces().map((namespace) => namespace.metadata.name),
    pods: pods.map((pod) => ({
      id: keyOf(pod.metadata),
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      ip: pod.podIP,
      labels: pod.metadata.labels,
      isolatedBy: {
        ingress: cluster.policiesSelecting(pod, 'Ingress').map((policy) => keyOf(policy.metadata)),
        egress: cluster.policiesSelecting(pod, 'Egress').map((policy) => keyOf(policy.metadata)),
      },
    })),
    edges,
  };
}
