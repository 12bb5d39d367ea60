import type { Pod } from '../kube/pod.ts';
import type { Cluster } from '../policy/cluster.ts';
import { defaultPorts } from '../policy/default-ports.ts';
import { formatPortProtocol, type PortProtocol } from '../policy/endpoint.ts';
import { computeMatrix, type VerdictMatrix } from '../policy/matrix.ts';

/** No pair of distinct pods between the two groups (a group of one pod, with itself). */
export const NO_PAIR = 0;
export const ALLOWED = 1;
export const DENIED = 2;

/**
 * What the policy model says between every two groups of pods it cannot tell apart, on every port
 * that matters, packed one byte a verdict: the base every view of the graph (matrix, aggregated
 * graph, a policy's effect) is counted from, so their cost follows the number of distinct
 * behaviours, not of pods.
 */
export interface PairSummary {
  readonly cluster: Cluster;
  readonly matrix: VerdictMatrix;
  readonly ports: readonly string[];
  /** Pods of each group. */
  readonly sizes: Uint32Array;
  readonly groupOf: ReadonlyMap<Pod, number>;
  /** `(from * groups + to) * ports + port` → NO_PAIR, ALLOWED or DENIED. */
  readonly verdicts: Uint8Array;
}

const cache = new WeakMap<Cluster, { key: string; summary: PairSummary }>();

/** The summary of the cluster as it is now, on `ports` (the default ports when absent); cached per cluster version. */
export function pairSummary(
  cluster: Cluster,
  ports: readonly PortProtocol[] = defaultPorts(cluster),
): PairSummary {
  const key = `${cluster.version} ${ports.map(formatPortProtocol).join(',')}`;
  const hit = cache.get(cluster);
  if (hit?.key === key) return hit.summary;
  const matrix = computeMatrix(cluster, ports);
  const groups = matrix.groups.length;
  const sizes = new Uint32Array(groups);
  const groupOf = new Map<Pod, number>();
  for (const group of matrix.groups) {
    sizes[group.id] = group.pods.length;
    for (const pod of group.pods) groupOf.set(pod, group.id);
  }
  const verdicts = new Uint8Array(groups * groups * ports.length);
  for (let from = 0; from < groups; from++) {
    for (let to = 0; to < groups; to++) {
      if (from === to && (sizes[from] ?? 0) < 2) continue;
      for (let port = 0; port < ports.length; port++) {
        verdicts[(from * groups + to) * ports.length + port] = matrix.cell(from, to, port).allowed
          ? ALLOWED
          : DENIED;
      }
    }
  }
  const summary = { cluster, matrix, ports: ports.map(formatPortProtocol), sizes, groupOf, verdicts };
  cache.set(cluster, { key, summary });
  return summary;
}

/** Pods counted by group: what a node of a view (a pod, a workload, a namespace…) is made of. */
export type GroupCounts = Map<number, number>;

export function countGroups(summary: PairSummary, pods: Iterable<Pod>): GroupCounts {
  const counts: GroupCounts = new Map();
  for (const pod of pods) {
    const group = summary.groupOf.get(pod);
    if (group !== undefined) counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  return counts;
}

/** Per port, how many ordered pod pairs from one set of pods to another the policies allow and deny. */
export interface PairCounts {
  readonly allowed: Float64Array;
  readonly denied: Float64Array;
}

/**
 * Counts the verdicts between two sets of pods given by their groups. `same` says the two are the
 * same set: then a pod is never paired with itself.
 */
export function countPairs(
  summary: PairSummary,
  from: GroupCounts,
  to: GroupCounts,
  same: boolean,
): PairCounts {
  const ports = summary.ports.length;
  const groups = summary.sizes.length;
  const allowed = new Float64Array(ports);
  const denied = new Float64Array(ports);
  for (const [a, countA] of from) {
    for (const [b, countB] of to) {
      const pairs = same && a === b ? countA * (countB - 1) : countA * countB;
      if (pairs === 0) continue;
      const base = (a * groups + b) * ports;
      for (let port = 0; port < ports; port++) {
        const verdict = summary.verdicts[base + port];
        if (verdict === ALLOWED) allowed[port] = (allowed[port] ?? 0) + pairs;
        else if (verdict === DENIED) denied[port] = (denied[port] ?? 0) + pairs;
      }
    }
  }
  return { allowed, denied };
}
