import type { Pod } from '../kube/pod.ts';
import { type MatrixCell, stateOf } from './graph-view.ts';
import { countGroups, countPairs, type GroupCounts, type PairSummary } from './pair-summary.ts';

/**
 * The namespace × namespace matrix: for every ordered pair of namespaces (a namespace with itself
 * too: traffic between its own pods), how many pod pairs × ports the policies allow and deny, and
 * the flows seen. `port` keeps one port's column of the summary.
 */
export function namespaceMatrix(
  summary: PairSummary,
  observed: ReadonlyMap<string, { allowed: number; denied: number }>,
  port?: number,
): MatrixCell[] {
  const byNamespace = new Map<string, Pod[]>();
  for (const pod of summary.cluster.allPods()) {
    const list = byNamespace.get(pod.metadata.namespace) ?? [];
    list.push(pod);
    byNamespace.set(pod.metadata.namespace, list);
  }
  const counts = new Map<string, GroupCounts>(
    [...byNamespace].map(([namespace, pods]) => [namespace, countGroups(summary, pods)]),
  );
  const cells: MatrixCell[] = [];
  for (const [from, fromGroups] of counts) {
    for (const [to, toGroups] of counts) {
      const pairs = countPairs(summary, fromGroups, toGroups, from === to);
      const sum = (values: Float64Array) =>
        port === undefined ? values.reduce((a, b) => a + b, 0) : (values[port] ?? 0);
      const allowed = sum(pairs.allowed);
      const denied = sum(pairs.denied);
      if (allowed + denied === 0) continue;
      const id = `${from} ${to}`;
      cells.push({
        id,
        from,
        to,
        allowed,
        denied,
        state: stateOf(allowed, denied),
        observed: observed.get(`namespace:${from} namespace:${to}`) ?? { allowed: 0, denied: 0 },
      });
    }
  }
  return cells;
}
