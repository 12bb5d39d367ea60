import { keyOf } from '../kube/object-meta.ts';
import { protocolOfNumber } from '../kube/protocol.ts';
import type { Cluster } from '../policy/cluster.ts';
import { portBackends, serviceBackends } from '../policy/service.ts';

/** What a flow needs to be named: the side it was seen on and its addresses. */
export interface FlowAddresses {
  readonly pod?: string;
  readonly direction: 'ingress' | 'egress';
  readonly verdict: 'allow' | 'deny';
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly protocol: number;
}

/** The names a flow gets from the cluster: the pod at its other end, and the Service when that end is a ClusterIP. */
export interface FlowNames {
  /** The pod at the other end (`ns/name`): the pod holding the address, or the Service's backend that took the connection. */
  readonly peer?: string;
  /** `ns/name` of the Service whose ClusterIP is the other end. */
  readonly service?: string;
}

/** How long a flow to a ClusterIP waits for its backend's side, and how long a backend's side is remembered. */
const HOLD_MS = 1000;
const REMEMBER_MS = 30_000;
const REMEMBERED = 100_000;

/** What follows from flows once stored: those to pass on to live readers now, and earlier ones they complete. */
export interface SettledFlows<F> {
  /** Flows complete now, to pass on to live readers (a flow waiting for its backend comes later). */
  readonly publish: F[];
  /** Flows stored earlier whose backend is known now: their stored copy gets `peer`. */
  readonly completed: F[];
}

/**
 * Names flows by the pods and Services at their other end. A client's flow to a ClusterIP is
 * seen before kube-proxy translates it; the backend's agent sees the same connection arrive from
 * the same client address, source port and protocol. So each flow to a ClusterIP is named by its
 * Service, and by the backend whose ingress flow matches it, as soon as both are in (whichever
 * comes first, from whichever node); a Service port with a single backend is known at once.
 * Flows are named (`name`) and stored at once; once stored (`settle`), one still waiting for its
 * backend reaches live readers when the backend's side comes, or after a second without it.
 * Denied flows never wait: a connection stopped at the source reaches no backend.
 */
export class ServiceFlowNamer<F extends FlowAddresses> {
  /** Backends' ingress flows of late, by client address, source port and protocol. */
  private readonly arrivals = new Map<string, { readonly pod: string; readonly time: number }>();
  /** Flows to a ClusterIP waiting for their backend, by the same key, in arrival order. */
  private readonly waiting = new Map<string, { readonly flow: F & FlowNames; readonly since: number }>();
  private readonly holdMs: number;
  /** The pods backing a Service with a ClusterIP, as of a version of the cluster last named with. */
  private backends: { cluster: Cluster; version: number; pods: Set<string> } | undefined;

  constructor(holdMs = HOLD_MS) {
    this.holdMs = holdMs;
  }

  /** `flows` named as far as is known now, with each other and what came before; changes nothing. */
  name(cluster: Cluster, flows: readonly F[]): (F & FlowNames)[] {
    const arrived = new Map<string, string>();
    const backends = this.backendsOf(cluster);
    for (const flow of flows)
      if (this.arrives(flow, backends)) arrived.set(connectionKey(flow), flow.pod ?? '');
    return flows.map((flow) => this.nameOne(cluster, flow, arrived));
  }

  /**
   * Takes in named flows once they are stored: what to pass on to live readers now, and the
   * flows stored earlier that these complete. A batch not stored (sent twice) is not settled.
   */
  settle(flows: readonly (F & FlowNames)[], now = Date.now()): SettledFlows<F & FlowNames> {
    const settled: SettledFlows<F & FlowNames> = { publish: [], completed: [] };
    const backends = this.backends?.pods;
    for (const flow of flows) {
      if (backends && this.arrives(flow, backends)) {
        const key = connectionKey(flow);
        this.remember(key, flow.pod ?? '', now);
        const pending = this.waiting.get(key);
        if (pending) {
          this.waiting.delete(key);
          const complete = { ...pending.flow, peer: flow.pod };
          settled.completed.push(complete);
          settled.publish.push(complete);
        }
      }
      const waits = flow.service && !flow.peer && flow.direction === 'egress' && flow.verdict === 'allow';
      if (!waits) {
        settled.publish.push(flow);
        continue;
      }
      // Kept in arrival order, so that `due` stops at the first that may still wait.
      const key = connectionKey(flow);
      const earlier = this.waiting.get(key);
      this.waiting.delete(key);
      if (earlier) settled.publish.push(earlier.flow);
      this.waiting.set(key, { flow, since: now });
    }
    return settled;
  }

  /** Waiting flows whose time is up, without a backend, for live readers (they are stored already). */
  due(now = Date.now()): (F & FlowNames)[] {
    const late: (F & FlowNames)[] = [];
    for (const [key, { flow, since }] of this.waiting) {
      if (now - since < this.holdMs) break;
      this.waiting.delete(key);
      late.push(flow);
    }
    return late;
  }

  /** How many flows wait for their backend (so that the caller knows to come back). */
  get pending(): number {
    return this.waiting.size;
  }

  private nameOne(cluster: Cluster, flow: F, arrived: ReadonlyMap<string, string>): F & FlowNames {
    const address = flow.direction === 'ingress' ? flow.src : flow.dst;
    const pod = cluster.podByIp(address);
    if (pod) return { ...flow, peer: keyOf(pod.metadata) };
    const service = cluster.serviceByIp(address);
    if (!service) return flow;
    const names: FlowNames = { service: keyOf(service.metadata) };
    if (flow.direction !== 'egress') return { ...flow, ...names };
    const protocol = protocolOfNumber(flow.protocol);
    const port = service.ports.find((one) => one.port === flow.dport && one.protocol === protocol);
    const backends = port ? portBackends(cluster, service, port) : [];
    const only = backends.length === 1 ? backends[0]?.pod : undefined;
    const key = connectionKey(flow);
    const backend = arrived.get(key) ?? this.arrivals.get(key)?.pod ?? (only && keyOf(only.metadata));
    return { ...flow, ...names, ...(backend ? { peer: backend } : {}) };
  }

  /**
   * Whether a flow is a backend's side of a connection: let in at a pod that backs a Service (no
   * other pod's arrivals can complete a flow to a ClusterIP, so no other pod's are remembered).
   */
  private arrives(flow: FlowAddresses, backends: ReadonlySet<string>): boolean {
    return flow.direction === 'ingress' && flow.verdict === 'allow' && !!flow.pod && backends.has(flow.pod);
  }

  /**
   * The pods (`ns/name`) backing a Service with a ClusterIP, computed again when the cluster
   * changes: only their allowed ingress flows can complete a flow to a ClusterIP.
   */
  backendsOf(cluster: Cluster): ReadonlySet<string> {
    if (this.backends?.cluster !== cluster || this.backends.version !== cluster.version) {
      const pods = new Set<string>();
      for (const service of cluster.allServices())
        if (service.clusterIPs.length > 0)
          for (const pod of serviceBackends(cluster, service)) pods.add(keyOf(pod.metadata));
      this.backends = { cluster, version: cluster.version, pods };
    }
    return this.backends.pods;
  }

  private remember(key: string, pod: string, now: number): void {
    this.arrivals.delete(key);
    this.arrivals.set(key, { pod, time: now });
    for (const [oldest, { time }] of this.arrivals) {
      if (this.arrivals.size <= REMEMBERED && now - time < REMEMBER_MS) break;
      this.arrivals.delete(oldest);
    }
  }
}

/** The client's side of a connection: its address, source port and protocol, the same before and after DNAT. */
const connectionKey = (flow: FlowAddresses) => `${flow.src}|${flow.sport}|${flow.protocol}`;
