import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { keyOf } from '../server/kube/object-meta.ts';
import { hostIPsOf, isPolicyPod, type Pod, podIPsOf } from '../server/kube/pod.ts';
import { ClusterInformers, type ClusterSink } from '../server/kube-api/cluster-informers.ts';
import { CLUSTER_POLICY_ENDPOINTS, PODS, POLICY_ENDPOINTS } from '../server/kube-api/informer.ts';
import type { AgentReport } from '../server/lab/lab-store.ts';
import type { Logger } from '../server/log.ts';
import { Cluster } from '../server/policy/cluster.ts';
import type { NodePod, NodeSource, NodeState, UnreadableEndpoint } from './node-source.ts';
import { unreadableEndpoint } from './unreadable-endpoint.ts';

export interface KubeNodeOptions {
  readonly node: string;
  /** The network namespace holding the pods' host-side interfaces (empty: the agent's own). */
  readonly netns: string;
  readonly strict: boolean;
  readonly log: Logger;
  /** Where reports go besides the log (the lab's store, when the lab stands in for kubelets). */
  readonly onReport?: (report: AgentReport) => void;
}

/**
 * A node's view of a Kubernetes cluster: the pods scheduled on it (watched with a field selector
 * on `spec.nodeName`), every PolicyEndpoint and every ClusterPolicyEndpoint (none where their CRD
 * is not installed). Each pod's host-side interface is the one the
 * node routes its IP through, as with the VPC CNI (a /32 route per pod).
 */
export class KubeNodeSource implements NodeSource {
  private readonly options: KubeNodeOptions;
  private readonly cluster = new Cluster();
  private readonly informers: ClusterInformers;
  /** Each pod's host-side interface, by pod uid (an IP can pass to another pod). */
  private readonly interfaces = new Map<string, string>();
  private resync?: NodeJS.Timeout;
  private generation = 0;
  private synced = false;
  private listeners: (() => void)[] = [];
  private readonly unreadable = new Map<string, UnreadableEndpoint>();

  constructor(config: KubeConfig, options: KubeNodeOptions) {
    this.options = options;
    const pods = { ...PODS, fieldSelector: `spec.nodeName=${options.node}` };
    const changed = () => {
      this.generation++;
      for (const listener of this.listeners) listener();
    };
    // Endpoints that cannot be read are kept aside: the pods they may isolate fail closed.
    const sink: ClusterSink = {
      set: (object) => {
        this.unreadable.delete(`${object.kind} ${keyOf(object.metadata)}`);
        return this.cluster.set(object);
      },
      delete: (kind, key) => {
        this.unreadable.delete(`${kind} ${key}`);
        return this.cluster.delete(kind, key);
      },
      invalid: (kind, key, message, raw) => {
        if (kind !== 'PolicyEndpoint' && kind !== 'ClusterPolicyEndpoint') return;
        this.unreadable.set(`${kind} ${key}`, unreadableEndpoint(kind, key, message, raw));
        changed();
      },
    };
    this.informers = new ClusterInformers(
      config,
      [pods, POLICY_ENDPOINTS, CLUSTER_POLICY_ENDPOINTS],
      sink,
      options.log,
      changed,
    );
  }

  async start(): Promise<void> {
    this.informers.start();
    await this.informers.synced();
    this.synced = true;
    this.options.log.info('informers synced', {
      node: this.options.node,
      pods: this.cluster.allPods().length,
    });
    for (const listener of this.listeners) listener();
  }

  stop(): void {
    this.informers.stop();
    clearInterval(this.resync);
  }

  read(): NodeState | undefined {
    if (!this.synced) return undefined;
    const current = this.cluster.allPods().filter((pod) => pod.podIP && isPolicyPod(pod));
    const uids = new Set(current.map(uidOf));
    for (const uid of this.interfaces.keys()) if (!uids.has(uid)) this.interfaces.delete(uid);
    const pods = current.flatMap((pod) => {
      const nodePod = this.nodePod(pod);
      return nodePod ? [nodePod] : [];
    });
    return {
      pods,
      endpoints: this.cluster.allPolicyEndpoints(),
      clusterEndpoints: this.cluster.allClusterPolicyEndpoints(),
      generation: this.generation,
      strict: this.options.strict,
      unreadable: [...this.unreadable.values()],
    };
  }

  watch(onChange: () => void): void {
    this.listeners.push(onChange);
    // A pod's interface can appear after its IP is known; a slow resync picks it up.
    clearInterval(this.resync);
    this.resync = setInterval(onChange, 2000);
    this.resync.unref();
  }

  report(report: AgentReport): void {
    if (report.error)
      this.options.log.error('enforcement failed', { node: report.node, reason: report.error });
    else this.options.log.debug('enforcing', { node: report.node, generation: report.generation });
    this.options.onReport?.(report);
  }

  private nodePod(pod: Pod): NodePod | undefined {
    const ip = pod.podIP ?? '';
    const ifname = this.interfaces.get(uidOf(pod)) ?? this.podRoute(ip);
    if (!ifname) return undefined;
    this.interfaces.set(uidOf(pod), ifname);
    return {
      key: keyOf(pod.metadata),
      ips: podIPsOf(pod),
      nodeIPs: hostIPsOf(pod),
      podId: podIdOf(pod),
      netns: this.options.netns,
      ifname,
    };
  }

  /**
   * The interface of the node's host route to exactly `ip` (the /32 the CNI adds per pod), or
   * undefined while there is none: a broader route (the node's subnet) does not lead to a pod.
   */
  private podRoute(ip: string): string | undefined {
    const prefix = ip.includes(':') ? `${ip}/128` : `${ip}/32`;
    const command = ['ip', '-j', 'route', 'show', 'exact', prefix];
    try {
      const output = this.options.netns
        ? execFileSync('nsenter', [`--net=${this.options.netns}`, ...command], { encoding: 'utf8' })
        : execFileSync(command[0] ?? 'ip', command.slice(1), { encoding: 'utf8' });
      const [route] = JSON.parse(output || '[]') as { dev?: string; gateway?: string }[];
      return route?.dev && !route.gateway ? route.dev : undefined;
    } catch {
      return undefined;
    }
  }
}

const uidOf = (pod: Pod) => pod.metadata.uid ?? keyOf(pod.metadata);

/** A pod's id in flow events: stable for the pod's lifetime (from its uid), never 0. */
function podIdOf(pod: Pod): number {
  const digest = createHash('sha1')
    .update(pod.metadata.uid ?? keyOf(pod.metadata))
    .digest();
  return digest.readUInt32LE(0) & 0x7fffffff || 1;
}
