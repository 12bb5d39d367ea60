import { CLUSTER_TIERS, type ClusterNetworkPolicy } from '../kube/cluster-network-policy.ts';
import { FieldError } from '../kube/field-error.ts';
import { POLICY_TYPES } from '../kube/network-policy.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import type { Cluster } from '../policy/cluster.ts';
import { selectorMatches } from '../policy/selector.ts';
import { workloadOf } from './build-graph.ts';
import { EDGE_BUDGET, stateOf, type ViewEdge, type ViewNode } from './graph-view.ts';
import { countGroups, countPairs, type GroupCounts, type PairSummary } from './pair-summary.ts';
import { isNarrowed, labelsMatch, type ViewRequest } from './view-request.ts';

/** How finely a pod is drawn: bundled into the rest of the cluster, by namespace, by workload, or alone. */
type Level = 0 | 1 | 2 | 3;
const REST: Level = 0;
const NAMESPACE: Level = 1;
const WORKLOAD: Level = 2;
const POD: Level = 3;
const LEVEL_NAMES = ['rest', 'namespace', 'workload', 'pod'] as const;
/** Past this many candidate pairs a step is not tried: it could only overflow the budget. */
const MAX_PAIRS = 250_000;

/** What the graph view draws, and what it had to aggregate to stay within the edge budget. */
export interface AggregatedGraph {
  readonly level: 'pod' | 'workload' | 'namespace';
  readonly nodes: ViewNode[];
  readonly edges: ViewEdge[];
  readonly aggregation: string[];
}

interface Unit {
  readonly id: string;
  readonly kind: ViewNode['kind'];
  readonly name: string;
  readonly namespace?: string;
  readonly pods: Pod[];
  readonly groups: GroupCounts;
  readonly scope: boolean;
}

function unitKey(pod: Pod, level: Level): { id: string; kind: ViewNode['kind']; name: string } {
  const namespace = pod.metadata.namespace;
  if (level === REST) return { id: 'rest', kind: 'rest', name: 'rest of the cluster' };
  if (level === NAMESPACE) return { id: `namespace:${namespace}`, kind: 'namespace', name: namespace };
  if (level === WORKLOAD) {
    const workload = workloadOf(pod);
    return { id: `workload:${namespace}/${workload}`, kind: 'workload', name: workload };
  }
  return { id: keyOf(pod.metadata), kind: 'pod', name: pod.metadata.name };
}

/** The pods a request asks for; every pod when it does not narrow. */
export function chosenPods(cluster: Cluster, request: ViewRequest): Set<Pod> {
  const pods = cluster.allPods();
  if (request.focus && !cluster.pod(request.focus))
    throw new FieldError('focus', `no pod ${JSON.stringify(request.focus)}`);
  const policy = request.policy ? cluster.policy(request.policy) : undefined;
  if (request.policy && !policy)
    throw new FieldError('policy', `no NetworkPolicy ${JSON.stringify(request.policy)}`);
  const pair = request.from || request.to ? [request.from ?? request.to, request.to ?? request.from] : [];
  const namespaces = request.namespace
    ? new Set(request.namespace.split(','))
    : pair.length
      ? new Set(pair)
      : undefined;
  const search = request.search?.toLowerCase();
  return new Set(
    pods.filter(
      (pod) =>
        (!namespaces || namespaces.has(pod.metadata.namespace)) &&
        (!search || pod.metadata.name.toLowerCase().includes(search)) &&
        (!request.labels || labelsMatch(request.labels, pod.metadata.labels)) &&
        (!request.focus || keyOf(pod.metadata) === request.focus) &&
        (!policy ||
          (pod.metadata.namespace === policy.metadata.namespace &&
            selectorMatches(policy.podSelector, pod.metadata.labels))) &&
        (!request.isolatedOnly ||
          cluster.policiesSelecting(pod, 'Ingress').length > 0 ||
          cluster.policiesSelecting(pod, 'Egress').length > 0),
    ),
  );
}

/**
 * The graph of a request within the edge budget. Pods the request asks for start as their
 * namespaces (the rest of the cluster as one node when it narrows), and are drawn finer, step by
 * step, while the edges stay within the budget: the asked-for pods by workload, then one by one,
 * then their peers by namespace, workload, pod. Each edge joins two nodes (one asked for, when the
 * request narrows) and carries the ports allowed and denied between any of their pods. When even
 * the first step overflows, the most telling edges are kept (denials, then traffic) and the rest
 * counted.
 */
export function aggregatedGraph(
  summary: PairSummary,
  request: ViewRequest,
  observedByPods: (unitOf: (pod: Pod) => string) => ReadonlyMap<string, { allowed: number; denied: number }>,
  budget = EDGE_BUDGET,
): AggregatedGraph {
  const cluster = summary.cluster;
  const pods = cluster.allPods();
  const chosen = chosenPods(cluster, request);
  const narrowed = isNarrowed(request);
  // A matrix cell: only the edges from its row's namespace to its column's, and no other peers.
  const cellFrom = request.from ?? request.to;
  const cellTo = request.to ?? request.from;
  const inCell = (a: Unit, b: Unit) =>
    cellFrom === undefined || (a.namespace === cellFrom && b.namespace === cellTo && a.kind !== 'rest');
  const finest: Level =
    request.level === 'namespace' ? NAMESPACE : request.level === 'workload' ? WORKLOAD : POD;
  const port = request.port ? summary.ports.indexOf(request.port) : undefined;
  const scopeNamespaces = new Set([...chosen].map((pod) => pod.metadata.namespace));
  const scopeWorkloads = new Set([...chosen].map((pod) => unitKey(pod, WORKLOAD).id));
  const inScopeNamespace = (pod: Pod) => scopeNamespaces.has(pod.metadata.namespace);

  const levels = new Map<Pod, Level>(
    pods.map((pod) => [pod, narrowed && !inScopeNamespace(pod) ? REST : NAMESPACE]),
  );
  /** The steps, finer and finer: which pods, to which level, and what they are called. */
  const peers = (pod: Pod) => !inScopeNamespace(pod);
  type Step = { pods: (pod: Pod) => boolean; level: Level; what: string };
  const steps: Step[] = narrowed
    ? (
        [
          { pods: inScopeNamespace, level: WORKLOAD, what: 'the pods asked for' },
          {
            pods: (pod: Pod) => scopeWorkloads.has(unitKey(pod, WORKLOAD).id),
            level: POD,
            what: 'the pods asked for',
          },
          { pods: inScopeNamespace, level: POD, what: 'the other pods of their namespaces' },
          { pods: peers, level: NAMESPACE, what: 'their peers in other namespaces' },
          { pods: peers, level: WORKLOAD, what: 'their peers in other namespaces' },
          { pods: peers, level: POD, what: 'their peers in other namespaces' },
        ] satisfies Step[]
      ).slice(0, cellFrom === undefined ? undefined : 3)
    : [
        { pods: () => true, level: WORKLOAD, what: 'the pods' },
        { pods: () => true, level: POD, what: 'the pods' },
      ];

  const unitsOf = (assignment: ReadonlyMap<Pod, Level>): Map<string, Unit> => {
    const units = new Map<string, Unit & { pods: Pod[] }>();
    for (const pod of pods) {
      const key = unitKey(pod, assignment.get(pod) ?? NAMESPACE);
      let unit = units.get(key.id);
      if (!unit) {
        unit = {
          ...key,
          namespace: key.kind === 'rest' ? undefined : pod.metadata.namespace,
          pods: [],
          groups: new Map(),
          scope: false,
        };
        units.set(key.id, unit);
      }
      unit.pods.push(pod);
    }
    for (const [id, unit] of units) {
      units.set(id, {
        ...unit,
        groups: countGroups(summary, unit.pods),
        scope: !narrowed || unit.pods.some((pod) => chosen.has(pod)),
      });
    }
    return units;
  };

  /** Every edge between the units (or, with `limit`, whether there are more than that many). */
  const edgesOf = (units: Map<string, Unit>, limit?: number): ViewEdge[] | undefined => {
    const all = [...units.values()];
    const sources = narrowed ? all.filter((unit) => unit.scope) : all;
    if (limit !== undefined && sources.length * all.length * (narrowed ? 2 : 1) > MAX_PAIRS) return undefined;
    const edges: ViewEdge[] = [];
    const seen = new Set<string>();
    const consider = (from: Unit, to: Unit) => {
      const id = `${from.id} ${to.id}`;
      if (from === to || seen.has(id) || !inCell(from, to)) return true;
      seen.add(id);
      const edge = edgeBetween(summary, from, to, port, request.deniedOnly === true);
      if (edge) edges.push(edge);
      return limit === undefined || edges.length <= limit;
    };
    for (const source of sources) {
      for (const other of all) {
        if (!consider(source, other) || (narrowed && !consider(other, source))) return undefined;
      }
    }
    return edges;
  };

  let units = unitsOf(levels);
  const aggregation: string[] = [];
  const start = edgesOf(units, budget);
  if (start) {
    for (const step of steps) {
      if (step.level > finest) continue;
      const next = new Map(levels);
      for (const pod of pods)
        if (step.pods(pod) && (next.get(pod) ?? 0) < step.level) next.set(pod, step.level);
      const nextUnits = unitsOf(next);
      if (nextUnits.size === units.size) {
        // Same nodes (e.g. workloads of one pod each): take the finer names, nothing to count.
        for (const [pod, level] of next) levels.set(pod, level);
        units = nextUnits;
        continue;
      }
      const fits = edgesOf(nextUnits, budget);
      if (!fits) {
        const now = ['bundled as “rest of the cluster”', 'drawn by namespace', 'drawn by workload'][
          step.level - 1
        ];
        aggregation.push(
          `${capitalize(step.what)} are ${now}: ${step.level === POD ? 'one by one' : `by ${LEVEL_NAMES[step.level]}`} they would draw more than ${budget} edges. Narrow the view (a namespace, a pod, a matrix cell) to see them.`,
        );
        break;
      }
      for (const [pod, level] of next) levels.set(pod, level);
      units = nextUnits;
    }
  }
  const unitIdOf = new Map<Pod, string>();
  for (const unit of units.values()) for (const pod of unit.pods) unitIdOf.set(pod, unit.id);
  const observed = observedByPods((pod) => unitIdOf.get(pod) ?? '');
  let edges = (edgesOf(units) ?? []).map((edge) => ({
    ...edge,
    observed: observed.get(edge.id) ?? edge.observed,
  }));
  const rest = units.get('rest');
  if (rest && cellFrom === undefined && !aggregation.some((line) => line.includes('rest of the cluster')))
    aggregation.push(
      `${rest.pods.length} pods of other namespaces are bundled as one node, “rest of the cluster”.`,
    );
  if (edges.length > budget) {
    const interest = (edge: ViewEdge) => (edge.state === 'denied' ? 0 : edge.state === 'partial' ? 1 : 2);
    edges.sort(
      (a, b) =>
        interest(a) - interest(b) ||
        b.observed.allowed + b.observed.denied - (a.observed.allowed + a.observed.denied) ||
        (a.id < b.id ? -1 : 1),
    );
    const left = edges.slice(budget);
    const count = (state: ViewEdge['state']) => left.filter((edge) => edge.state === state).length;
    aggregation.push(
      `${left.length} more edges are not drawn (${count('denied')} denied, ${count('partial')} partial, ${count('allowed')} allowed): denials come first. The matrix shows every pair; a namespace, a search or a focus narrows the graph.`,
    );
    edges = edges.slice(0, budget);
  }

  const drawn = new Set(edges.flatMap((edge) => [edge.from, edge.to]));
  const policy = request.policy;
  const nodes = [...units.values()]
    .filter((unit) => unit.scope || drawn.has(unit.id))
    .map((unit) => viewNode(cluster, unit));
  const finestDrawn = Math.max(NAMESPACE, ...[...levels.values()].filter((level) => level !== REST)) as Level;
  return {
    level: LEVEL_NAMES[finestDrawn] as AggregatedGraph['level'],
    nodes: nodes.sort((a, b) => (a.id < b.id ? -1 : 1)),
    edges: edges
      .map((edge) => (policy ? { ...edge, policy: decidedBy(summary, units, edge, policy) } : edge))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    aggregation,
  };
}

const capitalize = (text: string) => `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;

function edgeBetween(
  summary: PairSummary,
  from: Unit,
  to: Unit,
  port: number | undefined,
  deniedOnly: boolean,
): ViewEdge | undefined {
  const pairs = countPairs(summary, from.groups, to.groups, false);
  const allowed: string[] = [];
  const denied: string[] = [];
  let allowedPairs = 0;
  let deniedPairs = 0;
  summary.ports.forEach((name, i) => {
    if (port !== undefined && i !== port) return;
    if ((pairs.allowed[i] ?? 0) > 0) allowed.push(name);
    if ((pairs.denied[i] ?? 0) > 0) denied.push(name);
    allowedPairs += pairs.allowed[i] ?? 0;
    deniedPairs += pairs.denied[i] ?? 0;
  });
  if (allowed.length + denied.length === 0 || (deniedOnly && denied.length === 0)) return undefined;
  return {
    id: `${from.id} ${to.id}`,
    from: from.id,
    to: to.id,
    allowed,
    denied,
    state: stateOf(allowedPairs, deniedPairs),
    pairs: from.pods.length * to.pods.length,
    observed: { allowed: 0, denied: 0 },
  };
}

/** Whether `policy` allows (by a rule) or denies (by isolating, or by a Deny rule of its tier) some of the edge's pairs. */
function decidedBy(
  summary: PairSummary,
  units: ReadonlyMap<string, Unit>,
  edge: ViewEdge,
  policy: string,
): { allows: boolean; isolates: boolean } {
  let allows = false;
  let isolates = false;
  const from = units.get(edge.from);
  const to = units.get(edge.to);
  for (const a of from?.groups.keys() ?? []) {
    for (const b of to?.groups.keys() ?? []) {
      if (a === b && (summary.sizes[a] ?? 0) < 2) continue;
      for (let port = 0; port < summary.ports.length; port++) {
        const cell = summary.matrix.cell(a, b, port);
        for (const side of [cell.egress, cell.ingress]) {
          if (side.allowed && side.allowedBy.some((match) => match.policy === policy)) allows = true;
          // A denial names the policies that isolate, or the cluster policy whose rule denied.
          if (!side.allowed && side.policies.includes(policy)) isolates = true;
        }
        if (allows && isolates) return { allows, isolates };
      }
    }
  }
  return { allows, isolates };
}

/** At most this many isolating policies are listed on a group's node. */
const LISTED_POLICIES = 20;

function viewNode(cluster: Cluster, unit: Unit): ViewNode {
  const isolating = (direction: 'Ingress' | 'Egress') => {
    const names = new Set<string>();
    for (const pod of unit.pods)
      for (const policy of cluster.policiesSelecting(pod, direction)) names.add(keyOf(policy.metadata));
    return [...names].sort().slice(0, LISTED_POLICIES);
  };
  const isolatedPods = unit.pods.filter(
    (pod) =>
      cluster.policiesSelecting(pod, 'Ingress').length + cluster.policiesSelecting(pod, 'Egress').length > 0,
  ).length;
  const [only] = unit.pods;
  const tiered = new Set<ClusterNetworkPolicy>();
  for (const pod of unit.pods)
    for (const tier of CLUSTER_TIERS)
      for (const direction of POLICY_TYPES)
        for (const policy of cluster.clusterPoliciesSelecting(pod, direction, tier)) tiered.add(policy);
  const clusterPolicies = cluster
    .allClusterPolicies()
    .filter((policy) => tiered.has(policy))
    .slice(0, LISTED_POLICIES)
    .map((policy) => `${policy.tier} ${policy.priority} ${policy.metadata.name}`);
  return {
    id: unit.id,
    kind: unit.kind,
    name: unit.name,
    ...(unit.namespace !== undefined && { namespace: unit.namespace }),
    pods: unit.pods.length,
    ...(unit.kind === 'pod' && only?.podIP && { ip: only.podIP }),
    labels:
      unit.kind === 'pod' && only
        ? only.metadata.labels
        : unit.kind === 'rest'
          ? {}
          : commonLabels(unit.pods),
    isolatedBy: { ingress: isolating('Ingress'), egress: isolating('Egress') },
    isolatedPods,
    ...(clusterPolicies.length > 0 && { clusterPolicies }),
    scope: unit.scope,
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
