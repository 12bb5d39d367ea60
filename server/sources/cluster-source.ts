import 'server-only';
import type { Credential } from '../http/credential.ts';
import type { KubeUser } from '../kube-api/access-review.ts';
import type { Enforcement } from '../lab/closed-pod.ts';
import type { NodeStatus } from '../nodes/node-status.ts';
import type { Cluster } from '../policy/cluster.ts';
import type { EditablePolicy } from '../policy/policy-body.ts';

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
export interface PolicyWrite extends Partial<Enforcement> {
  readonly applied: readonly string[];
  /** The lab's generation the write made (enforced by every agent unless `pending` says otherwise). */
  readonly generation?: number;
}

/** A request the source refuses: bad input (400), no lab (409), read-only (405). */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly status: number;
  readonly field?: string;
  /** The 1-based document of the body the error is about, when it is about one. */
  readonly document?: number;
  constructor(status: number, message: string, field?: string, document?: number) {
    super(message);
    this.status = status;
    this.field = field;
    this.document = document;
  }
}

/** Who a write comes from, as the source established it from the request's credential. */
export interface Caller {
  readonly username: string;
  /** In Kubernetes mode: the user the API server named, and their token, which the write is made with. */
  readonly kube?: { readonly user: KubeUser; readonly token: string };
}

/** An agent whose token the source accepted; which nodes it may send flows for. */
export interface AgentIdentity {
  readonly name: string;
  speaksFor(node: string): boolean;
}

/**
 * The cluster behind the dashboard: the lab (the default), or a Kubernetes cluster. Every route
 * reads and writes through this, so pages work the same on both. A write is authenticated before
 * its body is read ({@link ClusterSource.authenticate}); in Kubernetes mode it acts with the
 * caller's identity.
 */
export interface ClusterSource {
  status(): SourceStatus;
  /** The objects now; in Kubernetes mode, once the informers have listed them. */
  cluster(): Promise<Cluster>;
  /**
   * Who may write with this credential: the lab's API token (bearer or session cookie), or in
   * Kubernetes mode the caller's own bearer token, reviewed by the API server. Throws AccessError
   * (401) when there is none or it is not accepted, SourceError (405) when writes are off.
   */
  authenticate(credential: Credential): Promise<Caller>;
  applyPolicies(policies: readonly EditablePolicy[], caller: Caller): Promise<PolicyWrite>;
  deletePolicy(key: string, caller: Caller): Promise<PolicyWrite>;
  /** The agent `token` belongs to, or undefined when it is no agent's; asked before a batch is read. */
  authenticateAgent(token: string): Promise<AgentIdentity | undefined>;
  /** The nodes and what is known of their agents. */
  nodes(): Promise<NodeStatus[]>;
}
