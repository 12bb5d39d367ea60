import type { ClusterPolicyEndpoint } from '../server/kube/cluster-policy-endpoint.ts';
import type { PolicyEndpoint } from '../server/kube/policy-endpoint.ts';
import type { AgentReport } from '../server/lab/lab-store.ts';

/** A pod the agent enforces policy for. */
export interface NodePod {
  /** `ns/name`. */
  readonly key: string;
  /** Every IP of the pod (`status.podIPs`): one, or one per family on a dual-stack cluster. */
  readonly ips: readonly string[];
  /** The addresses of the pod's node (`status.hostIPs`): traffic with them always passes. */
  readonly nodeIPs: readonly string[];
  /** The id the kernel reports in the pod's flow events. */
  readonly podId: number;
  /** The network namespace holding the pod's host-side veth (empty: the agent's own). */
  readonly netns: string;
  /** The host-side veth. */
  readonly ifname: string;
}

/** What a node's agent enforces, at one moment. */
export interface NodeState {
  readonly pods: readonly NodePod[];
  readonly endpoints: readonly PolicyEndpoint[];
  /** The cluster tiers' endpoints (Admin and Baseline ClusterNetworkPolicies). */
  readonly clusterEndpoints: readonly ClusterPolicyEndpoint[];
  /** Grows with every change of the PolicyEndpoints, so that the agent can say which it applied. */
  readonly generation: number;
  /** Strict mode: pods are closed from attachment until their rules are programmed. */
  readonly strict: boolean;
  /**
   * PolicyEndpoints and ClusterPolicyEndpoints the source could not read, with the pods they may
   * name (`ns/name`; when not even that can be read, all the pods of a PolicyEndpoint's namespace,
   * or every pod for a ClusterPolicyEndpoint) and the directions they may isolate: those pods fail
   * closed in those directions until it can be read or is deleted.
   */
  readonly unreadable?: readonly UnreadableEndpoint[];
}

export interface UnreadableEndpoint {
  readonly kind: 'PolicyEndpoint' | 'ClusterPolicyEndpoint';
  /** `ns/name` of a PolicyEndpoint, the name of a ClusterPolicyEndpoint. */
  readonly key: string;
  readonly reason: string;
  /** Pods it names (`ns/name`), or undefined: every pod of its namespace (of the node, for a ClusterPolicyEndpoint). */
  readonly pods?: readonly string[];
  readonly directions: readonly ('Ingress' | 'Egress')[];
}

/**
 * Where a node's agent learns its pods and their PolicyEndpoints, and tells what it applied: the
 * lab's store now (LabNodeSource), the Kubernetes API in Kubernetes mode.
 */
export interface NodeSource {
  /** The node's state now, or undefined while there is none yet. */
  read(): NodeState | undefined;
  /** Calls `onChange` whenever what `read` returns may have changed. */
  watch(onChange: () => void): void;
  report(report: AgentReport): void;
}
