import type { Flow } from '../flows/flow.ts';
import type { Pod } from '../kube/pod.ts';
import type { Cluster } from '../policy/cluster.ts';
import { podAtOtherEnd } from './view-services.ts';

/** Connections seen between two nodes of a graph, by their fate. */
export interface ConnectionCounts {
  allowed: number;
  denied: number;
}

/**
 * Pod-to-pod connections seen, counted once each per ordered pair of graph nodes (`from to`, nodes
 * named by `unitOf`). Both ends report a connection: the source's agent its egress verdict, the
 * destination's its ingress verdict. A connection the source let out is counted where it arrived,
 * as allowed or denied there; one the source stopped, at the source. So a connection denied at
 * its destination is not also counted as allowed on its way out.
 */
export function countConnections(
  cluster: Cluster,
  flows: readonly Flow[],
  unitOf: (pod: Pod) => string,
): Map<string, ConnectionCounts> {
  const counts = new Map<string, ConnectionCounts>();
  for (const flow of flows) {
    if (flow.direction === 'egress' && flow.verdict === 'allow') continue;
    const from = cluster.podByIp(flow.src);
    const to = podAtOtherEnd(cluster, flow);
    if (!from || !to) continue;
    const id = `${unitOf(from)} ${unitOf(to)}`;
    const count = counts.get(id) ?? { allowed: 0, denied: 0 };
    if (flow.verdict === 'allow') count.allowed++;
    else count.denied++;
    counts.set(id, count);
  }
  return counts;
}
