import 'server-only';
import type { NetworkPolicy } from '../kube/network-policy.ts';
import type { NodeStatus } from '../nodes/node-status.ts';
import type { Cluster } from '../policy/cluster.ts';

/** Where the dashboard's cluster comes from, as the pages show it. */
export interface SourceStatus {
  readonly mode: 'lab' | 'kubernetes';
  /** `ebpf` or `simulated` for the lab; `none` when the lab is not up; `cluster` in Kubernetes mode. */
  readonly datapath: 'ebpf' | 'simulated' | 'none' | 'cluster';
  readonly simulatedBecause?: string;
  /** Writes are refused (Kubernetes mode on a cluster whose PolicyEndpoints another controller writes). */
  readonly readOnly: boolean;
  /** The API server, in Kubernetes mode. */
  readonly server?: string;
}

/** What a policy write did. */
export interface PolicyWrite {
  readonly applied: readonly string[];
  /** The lab's generation now enforced by every agent. */
  readonly generation?: number;
}

/** A request the source refuses: bad input (400), no lab (409), read-only (405). */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly status: number;
  readonly field?: string;
  constructor(status: number, message: string, field?: string) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

/**
 * The cluster behind the dashboard: the lab (the default), or a Kubernetes cluster. Every route
 * reads and writes through this, so pages work the same on both. Writes carry the caller's
 * `Authorization` header; in Kubernetes mode they act with the caller's identity.
 */
export interface ClusterSource {
  status(): SourceStatus;
  /** The objects now; in Kubernetes mode, once the informers have listed them. */
  cluster(): Promise<Cluster>;
  applyPolicies(policies: readonly NetworkPolicy[], authorization: string | null): Promise<PolicyWrite>;
  deletePolicy(key: string, authorization: string | null): Promise<PolicyWrite>;
  /** Whether `token` is the agent of `node`'s to send flows. */
  agentMayIngest(token: string, node: string): Promise<boolean>;
  /** The nodes and what is known of their agents. */
  nodes(): Promise<NodeStatus[]>;
}
