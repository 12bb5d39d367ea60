import type { AgentReport } from '../server/lab/lab-store.ts';
import type { Logger } from '../server/log.ts';
import { addon } from './datapath/addon.ts';
import {
  closedDirection,
  compilePodRules,
  identityOf,
  type PodRules,
  policyKeys,
  ruleIdOf,
} from './datapath/compile.ts';
import { LAYOUT } from './datapath/layout.ts';
import { claimNodePins, mountBpffs, nodeDir } from './datapath/pins.ts';
import { type AttachResult, PodDatapath } from './datapath/pod-datapath.ts';
import type { NodePod, NodeSource, NodeState, UnreadableEndpoint } from './node-source.ts';
import type { RecordBatch } from './record-batch.ts';

/** Options of a node's agent. */
export interface NodeAgentOptions {
  /** Size of each pod's conntrack map (set before its programs load). */
  readonly conntrackEntries?: number;
  /** Where per-pod failures are told (one line each, naming the pod, the PolicyEndpoint and the field). */
  readonly log?: Logger;
}

/**
 * The agent of one node: keeps every pod on the node programmed with the PolicyEndpoints that
 * list it, and turns the node's ring buffer into named flows. Programs and maps are pinned, so
 * enforcement goes on while the agent is down, and a restarted agent adopts them. What it cannot
 * program for one pod closes that pod (in the direction concerned) and never stops the others.
 */
export class NodeAgent {
  readonly node: string;
  private readonly source: NodeSource | undefined;
  private readonly options: NodeAgentOptions;
  private readonly pods = new Map<string, { datapath: PodDatapath; attached: AttachResult }>();
  private readonly programmed = new Map<string, string>();
  private readonly policiesByRuleId = new Map<number, string>();
  private podsById = new Map<number, string>();
  private ring?: object;
  private syncing = Promise.resolve();
  /** What the last sync applied, or why it failed. */
  lastReport?: AgentReport;
  /** Pods closed in a direction because of what could not be programmed: pod → direction → why. */
  failClosed: Record<string, { ingress?: string; egress?: string }> = {};
  /** How many times programming a pod has failed, since the agent started. */
  failures = 0;

  /** `source` tells the node's pods and PolicyEndpoints; without one the agent only names flows. */
  constructor(node: string, source?: NodeSource, options: NodeAgentOptions = {}) {
    this.node = node;
    this.source = source;
    this.options = options;
  }

  /** Applies the source's state once, then again whenever it changes; flows go to `onFlows`. */
  async start(onFlows: (batch: RecordBatch) => void): Promise<void> {
    mountBpffs();
    if (claimNodePins(this.node))
      this.options.log?.info('pins of another build of the datapath removed: every pod is loaded anew', {
        node: this.node,
      });
    await this.sync();
    this.ring = addon().ringOpen(`${nodeDir(this.node)}/events`, (batch) => onFlows(this.named(batch)));
    this.source?.watch(() => void this.sync());
  }

  stop(): void {
    if (this.ring) addon().ringClose(this.ring);
  }

  /** Brings the node's pods in line with the source; one sync at a time. */
  sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.syncOnce())
      .catch((error: Error) => {
        this.report({
          node: this.node,
          pid: process.pid,
          generation: -1,
          datapath: 'ebpf',
          pods: {},
          error: error.message,
        });
      });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const state = this.source?.read();
    if (!state) return;
    this.podsById = new Map(state.pods.map((pod) => [pod.podId, pod.key]));
    for (const policy of policyKeys(state.endpoints, state.clusterEndpoints))
      this.policiesByRuleId.set(ruleIdOf(policy), policy);
    const report: Record<string, AttachResult> = {};
    const podErrors: Record<string, string> = {};
    const failClosed: typeof this.failClosed = {};
    for (const pod of state.pods) {
      try {
        let entry = this.pods.get(pod.key);
        if (!entry) {
          const datapath = new PodDatapath(
            {
              node: this.node,
              netns: pod.netns,
              ifname: pod.ifname,
              podId: pod.podId,
              nodeIPs: pod.nodeIPs,
            },
            { strict: state.strict, conntrackEntries: this.options.conntrackEntries },
          );
          entry = { datapath, attached: datapath.attach() };
          this.pods.set(pod.key, entry);
        }
        report[pod.key] = entry.attached;
        const closed = await this.program(pod, entry.datapath, state);
        if (closed) failClosed[pod.key] = closed;
      } catch (error) {
        podErrors[pod.key] = (error as Error).message;
        this.failures++;
        this.options.log?.error('pod not programmed', { pod: pod.key, reason: (error as Error).message });
        this.programmed.delete(pod.key);
        if (this.pods.has(pod.key))
          failClosed[pod.key] = this.closeAfterFailure(pod.key, (error as Error).message);
      }
    }
    for (const [key, entry] of this.pods) {
      if (state.pods.some((pod) => pod.key === key)) continue;
      entry.datapath.detach();
      this.pods.delete(key);
      this.programmed.delete(key);
    }
    this.failClosed = failClosed;
    this.report({
      node: this.node,
      pid: process.pid,
      generation: state.generation,
      datapath: 'ebpf',
      pods: report,
      ...(Object.keys(failClosed).length ? { failClosed } : {}),
      ...(Object.keys(podErrors).length ? { podErrors } : {}),
    });
  }

  private report(report: AgentReport): void {
    this.lastReport = report;
    this.source?.report(report);
  }

  /** Closes both directions of a pod whose rules could not be written; says why for each. */
  private closeAfterFailure(key: string, reason: string): { ingress: string; egress: string } {
    try {
      this.pods.get(key)?.datapath.close();
    } catch (error) {
      this.options.log?.error('pod could not be closed', { pod: key, reason: (error as Error).message });
    }
    return { ingress: reason, egress: reason };
  }

  /**
   * Programs a pod's rules unless they are what the kernel holds already. Returns the directions
   * that fail closed and why (logged once each time the reason appears).
   */
  private async program(
    pod: NodePod,
    datapath: PodDatapath,
    state: NodeState,
  ): Promise<{ ingress?: string; egress?: string } | undefined> {
    const compiled = compilePodRules(identityOf(pod.key, pod.ips), state.endpoints, state.clusterEndpoints);
    const rules = withUnreadable(compiled, pod, state.unreadable ?? []);
    const closed = {
      ...(rules.ingress.failure ? { ingress: rules.ingress.failure } : {}),
      ...(rules.egress.failure ? { egress: rules.egress.failure } : {}),
    };
    const fingerprint = JSON.stringify([rules, pod.nodeIPs], (_, value) =>
      value instanceof Map ? [...value.entries()] : typeof value === 'bigint' ? value.toString() : value,
    );
    if (this.programmed.get(pod.key) === fingerprint) return Object.keys(closed).length ? closed : undefined;
    for (const [direction, reason] of Object.entries(closed)) {
      this.failures++;
      this.options.log?.error('pod fails closed', { pod: pod.key, direction, reason });
    }
    await datapath.program(rules);
    this.programmed.set(pod.key, fingerprint);
    return Object.keys(closed).length ? closed : undefined;
  }

  /**
   * A batch of ring buffer records with the names of their pods and policies: the records stay as
   * the kernel wrote them (they travel so), only their ids are read.
   */
  named(records: Buffer): RecordBatch {
    const { size, offsets } = LAYOUT.flow_event;
    const pods: Record<string, string> = {};
    const policies: Record<string, string> = {};
    let lastPod = -1;
    let lastRule = -1;
    for (let base = 0; base + size <= records.length; base += size) {
      const podId = records.readUInt32LE(base + offsets.pod_id);
      const ruleId = records.readUInt32LE(base + offsets.rule_id);
      if (podId !== lastPod) {
        lastPod = podId;
        const pod = this.podsById.get(podId);
        if (pod !== undefined) pods[podId] = pod;
      }
      if (ruleId !== lastRule) {
        lastRule = ruleId;
        const policy = this.policiesByRuleId.get(ruleId);
        if (policy !== undefined) policies[ruleId] = policy;
      }
    }
    return { records, pods, policies };
  }
}

/** Closes the directions that a PolicyEndpoint the source could not read may isolate for the pod. */
function withUnreadable(rules: PodRules, pod: NodePod, unreadable: readonly UnreadableEndpoint[]): PodRules {
  const [namespace] = pod.key.split('/');
  let { ingress, egress } = rules;
  for (const endpoint of unreadable) {
    const names = endpoint.pods
      ? endpoint.pods.includes(pod.key)
      : endpoint.kind === 'ClusterPolicyEndpoint' || endpoint.key.split('/')[0] === namespace;
    if (!names) continue;
    const reason = `${endpoint.kind} ${endpoint.key} cannot be read: ${endpoint.reason}`;
    if (endpoint.directions.includes('Ingress') && !ingress.failure) ingress = closedDirection(reason);
    if (endpoint.directions.includes('Egress') && !egress.failure) egress = closedDirection(reason);
  }
  return { ingress, egress };
}
