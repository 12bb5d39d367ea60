import { keyOf } from '../server/kube/object-meta.ts';
import type { PolicyEndpoint } from '../server/kube/policy-endpoint.ts';
import type { AgentReport } from '../server/lab/lab-store.ts';
import { addon } from './datapath/addon.ts';
import { compilePodRules, ruleIdOf } from './datapath/compile.ts';
import { decodeFlowEvents, type FlowEvent } from './datapath/layout.ts';
import { mountBpffs, nodeDir } from './datapath/pins.ts';
import { type AttachResult, PodDatapath } from './datapath/pod-datapath.ts';
import type { NodePod, NodeSource } from './node-source.ts';

/** A flow event with the names the agent knows. */
export interface NamedFlow extends FlowEvent {
  /** Wall-clock milliseconds of the kernel's timestamp. */
  readonly time: number;
  readonly node: string;
  readonly pod?: string;
  /** The policy whose rule allowed the flow, when one did. */
  readonly policy?: string;
}

/**
 * The agent of one node: keeps every pod on the node programmed with the PolicyEndpoints that
 * list it, and turns the node's ring buffer into named flows. Programs and maps are pinned, so
 * enforcement goes on while the agent is down, and a restarted agent adopts them.
 */
export class NodeAgent {
  readonly node: string;
  private readonly source: NodeSource | undefined;
  private readonly pods = new Map<string, { datapath: PodDatapath; attached: AttachResult }>();
  private readonly programmed = new Map<string, string>();
  private readonly policiesByRuleId = new Map<number, string>();
  private podsById = new Map<number, string>();
  private ring?: object;
  private syncing = Promise.resolve();
  /** What the last sync applied, or why it failed. */
  lastReport?: AgentReport;

  /** `source` tells the node's pods and PolicyEndpoints; without one the agent only names flows. */
  constructor(node: string, source?: NodeSource) {
    this.node = node;
    this.source = source;
  }

  /** Applies the source's state once, then again whenever it changes; flows go to `onFlows`. */
  async start(onFlows: (flows: NamedFlow[]) => void): Promise<void> {
    mountBpffs();
    await this.sync();
    this.ring = addon().ringOpen(`${nodeDir(this.node)}/events`, (batch) => onFlows(this.namedFlows(batch)));
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
    for (const endpoint of state.endpoints) {
      this.policiesByRuleId.set(ruleIdOf(keyOf(endpoint.spec.policyRef)), keyOf(endpoint.spec.policyRef));
    }
    const report: Record<string, AttachResult> = {};
    for (const pod of state.pods) {
      let entry = this.pods.get(pod.key);
      if (!entry) {
        const datapath = new PodDatapath(
          { node: this.node, netns: pod.netns, ifname: pod.ifname, podId: pod.podId },
          state.strict,
        );
        entry = { datapath, attached: datapath.attach() };
        this.pods.set(pod.key, entry);
      }
      report[pod.key] = entry.attached;
      await this.program(pod, entry.datapath, state.endpoints);
    }
    for (const [key, entry] of this.pods) {
      if (state.pods.some((pod) => pod.key === key)) continue;
      entry.datapath.detach();
      this.pods.delete(key);
      this.programmed.delete(key);
    }
    this.report({
      node: this.node,
      pid: process.pid,
      generation: state.generation,
      datapath: 'ebpf',
      pods: report,
    });
  }

  private report(report: AgentReport): void {
    this.lastReport = report;
    this.source?.report(report);
  }

  private async program(
    pod: NodePod,
    datapath: PodDatapath,
    endpoints: readonly PolicyEndpoint[],
  ): Promise<void> {
    const rules = compilePodRules(pod.ip, endpoints);
    const fingerprint = JSON.stringify(rules, (_, value) =>
      value instanceof Map ? [...value.entries()] : typeof value === 'bigint' ? value.toString() : value,
    );
    if (this.programmed.get(pod.key) === fingerprint) return;
    await datapath.program(rules);
    this.programmed.set(pod.key, fingerprint);
  }

  /** Decodes a batch of ring buffer records and names their pods and policies. */
  namedFlows(batch: Buffer): NamedFlow[] {
    // The kernel stamps CLOCK_MONOTONIC, as process.hrtime does: one offset turns it into wall time.
    const offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    return decodeFlowEvents(batch).map((event) => ({
      ...event,
      time: Number((event.timestampNs + offsetNs) / 1_000_000n),
      node: this.node,
      pod: this.podsById.get(event.podId),
      policy: this.policiesByRuleId.get(event.ruleId),
    }));
  }
}
