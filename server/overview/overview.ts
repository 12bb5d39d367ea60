import type { FlowBucket, FlowPair, FlowStore } from '../flows/flow-store.ts';
import type { NodeStatus } from '../nodes/node-status.ts';
import type { Cluster } from '../policy/cluster.ts';

/** A namespace's pods by isolation: isolated in some direction, or open to everything. */
export interface NamespaceIsolation {
  readonly name: string;
  readonly pods: number;
  /** Pods some policy isolates, in either direction. */
  readonly isolated: number;
  readonly ingressIsolated: number;
  readonly egressIsolated: number;
  readonly policies: number;
}

/** The overview page's figures. */
export interface Overview {
  readonly policies: number;
  readonly pods: number;
  readonly isolatedPods: number;
  readonly namespaces: readonly NamespaceIsolation[];
  /** Flows of the last hour per minute, by verdict. */
  readonly flows: readonly FlowBucket[];
  /** The pairs with the most denied flows in the last hour. */
  readonly topDenied: readonly FlowPair[];
  readonly agents: {
    readonly total: number;
    readonly healthy: number;
    readonly unhealthy: readonly string[];
    /** Pods an agent closed rather than enforce part of their rules. */
    readonly closedPods: readonly string[];
  };
}

const HOUR = 3_600_000;

/** The figures of the overview from the cluster, the flow history and the nodes' agents. */
export function overview(
  cluster: Cluster,
  store: FlowStore,
  nodes: readonly NodeStatus[],
  now: number,
): Overview {
  const namespaces = cluster.allNamespaces().map((namespace): NamespaceIsolation => {
    const name = namespace.metadata.name;
    const pods = cluster.podsIn(name);
    const ingress = pods.filter((pod) => cluster.policiesSelecting(pod, 'Ingress').length > 0);
    const egress = pods.filter((pod) => cluster.policiesSelecting(pod, 'Egress').length > 0);
    return {
      name,
      pods: pods.length,
      isolated: new Set([...ingress, ...egress]).size,
      ingressIsolated: ingress.length,
      egressIsolated: egress.length,
      policies: cluster.policiesIn(name).length,
    };
  });
  return {
    policies: cluster.allPolicies().length,
    pods: namespaces.reduce((sum, namespace) => sum + namespace.pods, 0),
    isolatedPods: namespaces.reduce((sum, namespace) => sum + namespace.isolated, 0),
    namespaces: namespaces.filter((namespace) => namespace.pods > 0 || namespace.policies > 0),
    flows: store.histogram({ since: now - HOUR, until: now }, 60),
    topDenied: store.topPairs({ verdict: 'deny', since: now - HOUR }, 8),
    agents: {
      total: nodes.length,
      healthy: nodes.filter((node) => node.agent.healthy).length,
      unhealthy: nodes.filter((node) => !node.agent.healthy).map((node) => node.name),
      closedPods: [...new Set(nodes.flatMap((node) => node.closed.map((closed) => closed.pod)))],
    },
  };
}
