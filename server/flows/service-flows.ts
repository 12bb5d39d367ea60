import { keyOf } from '../kube/object-meta.ts';
import { protocolOfNumber } from '../kube/protocol.ts';
import type { Cluster } from '../policy/cluster.ts';
import { portBackends } from '../policy/service.ts';

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

/** What to do with named flows: store them all now; pass some on to live readers now. */
export interface NamedFlows<F> {
  /** Every flow taken in, named as far as is known yet, to store at once (nothing waits unstored). */
  readonly store: F[];
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
 * Flows are stored at once; one still waiting for its backend reaches live readers when the
 * backend's side comes, or after a second without it. Denied flows never wait: a connection
 * stopped at the source reaches no backend.
 */
export class ServiceFlowNamer<F extends FlowAddresses> {
  /** Backends' ingress flows of late, by client address, source port and protocol. */
  private readonly arrivals = new Map<string, { readonly pod: string; readonly time: number }>();
  /** Flows to a ClusterIP waiting for their backend, by the same key, in arrival order. */
  private readonly waiting = new Map<string, { readonly flow: F & FlowNames; readonly since: number }>();
  private readonly holdMs: number;

  constructor(holdMs = HOLD_MS) {
    this.holdMs = holdMs;
  }

  /** Names `flows`: all to store now, those complete to publish, and earlier ones they complete. */
  take(cluster: Cluster, flows: readonly F[], now = Date.now()): NamedFlows<F & FlowNames> {
    const named: NamedFlows<F & FlowNames> = { store: [], publish: [], completed: [] };
    for (const flow of flows) {
      const names = this.name(cluster, flow);
      const key = connectionKey(flow);
      named.store.push(names);
      if (flow.direction === 'ingress' && flow.pod && flow.verdict === 'allow') {
        this.remember(key, flow.pod, now);
        const pending = this.waiting.get(key);
        if (pending) {
          this.waiting.delete(key);
          const complete = { ...pending.flow, peer: flow.pod };
          named.completed.push(complete);
          named.publish.push(complete);
        }
      }
      const waits = names.service && !names.peer && flow.direction === 'egress' && flow.verdict === 'allow';
      if (!waits) {
        named.publish.push(names);
        continue;
      }
      // Kept in arrival order, so that `due` stops at the first that may still wait.
      const earlier = this.waiting.get(key);
      this.waiting.delete(key);
      if (earlier) named.publish.push(earlier.flow);
      this.waiting.set(key, { flow: names, since: now });
    }
    return named;
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

  private name(cluster: Cluster, flow: F): F & FlowNames {
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
    const backend = this.arrivals.get(connectionKey(flow))?.pod ?? (only && keyOf(only.metadata));
    return { ...flow, ...names, ...(backend ? { peer: backend } : {}) };
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
