import type { Flow } from '../flows/flow.ts';
import type { Pod } from '../kube/pod.ts';
import type { Cluster } from '../policy/cluster.ts';
import { aggregatedGraph } from './aggregated-graph.ts';
import { countConnections } from './connection-counts.ts';
import { EDGE_BUDGET, type GraphView, MATRIX_ABOVE_PODS } from './graph-view.ts';
import { namespaceMatrix } from './namespace-matrix.ts';
import { pairSummary } from './pair-summary.ts';
import { isNarrowed, type ViewRequest } from './view-request.ts';
import { viewServices } from './view-services.ts';

/**
 * One view of the cluster's graph with the flows seen recently: the namespace × namespace matrix
 * (the default past a few hundred pods when nothing narrows the view), or the graph of the pods
 * asked for and their peers, aggregated so that it draws at most `budget` edges.
 */
export function buildView(
  cluster: Cluster,
  flows: readonly Flow[],
  request: ViewRequest,
  budget = EDGE_BUDGET,
): GraphView {
  const summary = pairSummary(cluster);
  const pods = cluster.allPods();
  const view = request.view ?? (pods.length > MATRIX_ABOVE_PODS && !isNarrowed(request) ? 'matrix' : 'graph');
  const base = {
    view,
    ports: summary.ports,
    namespaces: cluster.allNamespaces().map((namespace) => namespace.metadata.name),
    totals: { pods: pods.length, policies: cluster.allPolicies().length },
  };
  if (view === 'matrix') {
    const port = request.port ? summary.ports.indexOf(request.port) : undefined;
    const observed = countConnections(cluster, flows, (pod) => `namespace:${pod.metadata.namespace}`);
    return {
      ...base,
      level: 'namespace',
      aggregation: [],
      nodes: [],
      edges: [],
      cells: namespaceMatrix(summary, observed, port === -1 ? Number.NaN : port).sort((a, b) =>
        a.id < b.id ? -1 : 1,
      ),
      services: [],
    };
  }
  let nodeOf: (pod: Pod) => string = () => '';
  const graph = aggregatedGraph(
    summary,
    request,
    (unitOf) => {
      nodeOf = unitOf;
      return countConnections(cluster, flows, unitOf);
    },
    budget,
  );
  return { ...base, ...graph, cells: [], services: viewServices(cluster, graph.nodes, nodeOf) };
}
