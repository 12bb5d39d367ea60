/** How an edge or a matrix cell reads: every pod pair and port allowed, every one denied, or some of each. */
export type ViewState = 'allowed' | 'denied' | 'partial';

/** A node of a view: a pod, a workload, a namespace, or the rest of the cluster bundled as one. */
export interface ViewNode {
  /** `ns/name` for a pod, `workload:ns/name`, `namespace:ns`, or `rest`. */
  readonly id: string;
  readonly kind: 'pod' | 'workload' | 'namespace' | 'rest';
  readonly name: string;
  /** Absent for the rest of the cluster. */
  readonly namespace?: string;
  /** How many pods it stands for. */
  readonly pods: number;
  /** The pod's IP (pods only). */
  readonly ip?: string;
  /** The pod's labels, or those every pod of the group shares. */
  readonly labels: Readonly<Record<string, string>>;
  /** The policies that isolate its pods, per direction. */
  readonly isolatedBy: { readonly ingress: readonly string[]; readonly egress: readonly string[] };
  /** How many of its pods some policy isolates (either direction). */
  readonly isolatedPods: number;
  /** The ClusterNetworkPolicies whose subject holds some of its pods, in evaluation order: `Admin 10 name`. */
  readonly clusterPolicies?: readonly string[];
  /** Whether it holds pods the request asked for (the others are their peers). */
  readonly scope: boolean;
  /** The PolicyEndpoints (`ns/name`) that list it among their selected pods (pods only). */
  readonly policyEndpoints?: readonly string[];
}

/** Reachability from one node to another: per port what the policies say, and what was seen. */
export interface ViewEdge {
  /** `from to`. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Ports (`80/TCP`) the policies allow for some pair of their pods, and deny for some pair. */
  readonly allowed: readonly string[];
  readonly denied: readonly string[];
  readonly state: ViewState;
  /** Pod pairs it stands for (1 between two pods). */
  readonly pairs: number;
  /** Flow verdicts the agents reported between their pods in the last ten minutes. */
  readonly observed: { readonly allowed: number; readonly denied: number };
  /** With a `policy` request: whether that policy's rules allow some of it, and whether its isolation denies some. */
  readonly policy?: { readonly allows: boolean; readonly isolates: boolean };
}

/** A cell of the namespace × namespace matrix. */
export interface MatrixCell {
  /** `from to` (namespace names). */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Ordered pod pairs × ports the policies allow and deny. */
  readonly allowed: number;
  readonly denied: number;
  readonly state: ViewState;
  readonly observed: { readonly allowed: number; readonly denied: number };
}

/** A Service of the cluster, linked to the view's nodes that hold its backends. */
export interface ViewService {
  /** `ns/name`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** Its ClusterIPs; none for a headless Service (its name resolves to its pods). */
  readonly clusterIPs: readonly string[];
  readonly headless: boolean;
  /** Each port and where it goes: `80/TCP → http`. */
  readonly ports: readonly string[];
  /** The view's nodes holding its backends. */
  readonly backends: readonly string[];
}

/** One view of the graph, as `GET /api/graph?view=…` answers it in full. */
export interface GraphView {
  readonly view: 'matrix' | 'graph';
  /** The finest kind of node drawn (matrix: namespaces). */
  readonly level: 'pod' | 'workload' | 'namespace';
  readonly ports: readonly string[];
  readonly namespaces: readonly string[];
  readonly totals: { readonly pods: number; readonly policies: number };
  /** What was aggregated or left out to stay within the edge budget, in sentences. */
  readonly aggregation: readonly string[];
  readonly nodes: readonly ViewNode[];
  readonly edges: readonly ViewEdge[];
  readonly cells: readonly MatrixCell[];
  /** Every Service, with the view's nodes that hold its backends (none in the matrix). */
  readonly services: readonly ViewService[];
}

/** No view draws more edges than this. */
export const EDGE_BUDGET = 300;
/** Past this many pods an unnarrowed view is the matrix. */
export const MATRIX_ABOVE_PODS = 300;

export function stateOf(allowed: number, denied: number): ViewState {
  if (denied === 0) return 'allowed';
  return allowed === 0 ? 'denied' : 'partial';
}
