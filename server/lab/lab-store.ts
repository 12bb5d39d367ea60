import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ClusterPolicyEndpoint } from '../kube/cluster-policy-endpoint.ts';
import type { Json } from '../kube/decode.ts';
import { decodeObject } from '../kube/objects.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';
import type { PodPrograms } from '../nodes/agent-status.ts';
import { Cluster } from '../policy/cluster.ts';

/**
 * The lab's store: what `palisade lab` built and the cluster objects it holds, as files in one
 * folder. The CLI (and the server) write it; each node's agent reads it. Writes are atomic
 * (write, then rename), so a reader never sees half a file.
 */
export const LAB_DIR =
  process.env.PALISADE_LAB_DIR ??
  (process.getuid?.() === 0 ? '/run/palisade/lab' : `${tmpdir()}/palisade-lab-${process.getuid?.()}`);

/** A lab node: a network namespace routing for its pods. */
export interface LabNode {
  readonly name: string;
  /** 1-based; the node's fabric address is 10.77.255.<index>. */
  readonly index: number;
}

/** A pod as the lab built it. */
export interface LabPodRecord {
  readonly key: string;
  /** The pod's primary IP (`status.podIP`): IPv6 in a dual-stack lab. */
  readonly ip: string;
  /** Every IP of the pod, the primary first (`status.podIPs`); absent in an IPv4-only lab. */
  readonly ips?: readonly string[];
  readonly node: string;
  /** `palisade-pod-…`, the pod's network namespace. */
  readonly netns: string;
  /** The host-side veth, in the node's namespace. */
  readonly ifname: string;
  readonly podId: number;
  /** `80/TCP`, … the pod serves. */
  readonly ports: readonly string[];
}

export interface LabRecord {
  readonly nodes: readonly LabNode[];
  readonly pods: readonly LabPodRecord[];
  /** The pod answering DNS for the lab's names, if the scenario has one. */
  readonly dns?: string;
  /** Processes the lab started: pod servers and one agent per node. */
  readonly processes: readonly number[];
  readonly strict: boolean;
  /** Dual stack (`lab up --ipv6`): pods have an IPv6 address (their primary) and an IPv4 one. */
  readonly ipv6?: boolean;
  /**
   * `ebpf`: pods are namespaces and agents enforce in the kernel. `simulated`: without root or
   * BPF, the lab holds the same objects and PolicyEndpoints, and verdicts come from the model.
   */
  readonly datapath: 'ebpf' | 'simulated';
  /** Why the lab is simulated. */
  readonly simulatedBecause?: string;
  /**
   * Set when the lab stands in for a Kubernetes cluster's nodes: its pods are registered in that
   * cluster and its agents enforce the cluster's PolicyEndpoints (policies go in with kubectl).
   */
  readonly kubeconfig?: string;
}

/**
 * What the agents enforce: the controller's PolicyEndpoints and ClusterPolicyEndpoints, numbered
 * so agents can say which they applied.
 */
export interface EndpointsRecord {
  readonly generation: number;
  readonly endpoints: readonly PolicyEndpoint[];
  readonly clusterEndpoints: readonly ClusterPolicyEndpoint[];
}

/** What an agent reports after applying a generation. */
export interface AgentReport {
  readonly node: string;
  readonly pid: number;
  readonly generation: number;
  readonly datapath: 'ebpf';
  readonly pods: Record<string, PodPrograms>;
  /** Pods closed in a direction because their rules could not be programmed or read: pod → direction → why. */
  readonly failClosed?: Record<string, { readonly ingress?: string; readonly egress?: string }>;
  /** Pods whose programs could not be attached at all: pod → why. */
  readonly podErrors?: Record<string, string>;
  readonly error?: string;
}

/** What the lab's Service proxy reports after bringing every node's Service rules up to date. */
export interface ProxyReport {
  readonly pid: number;
  /** The generation of the lab's objects the rules were made from (0 when they come from a cluster). */
  readonly generation: number;
  /** Service ports with a rule, over all nodes' rules (each node holds the same). */
  readonly portals: number;
  readonly error?: string;
}

export const labFile = (name: string) => `${LAB_DIR}/${name}`;

/** Writes a file of the store atomically; `mode` for secrets (it applies from the first byte). */
export function writeJson(name: string, value: unknown, mode = 0o644): void {
  mkdirSync(LAB_DIR, { recursive: true });
  const path = labFile(name);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode });
  renameSync(`${path}.tmp`, path);
}

/** What changes when a file of the store is rewritten (each write is a rename: a new inode). */
export function fileStamp(name: string): string {
  try {
    const stat = statSync(labFile(name));
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  } catch {
    return 'none';
  }
}

export function readJson<T>(name: string): T | undefined {
  const path = labFile(name);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export const readLab = () => readJson<LabRecord>('lab.json');
export const readEndpoints = () => readJson<EndpointsRecord>('endpoints.json');
export const readAgentReport = (node: string) => readJson<AgentReport>(`agent-${node}.json`);
export const readProxyReport = () => readJson<ProxyReport>('proxy.json');

/** The cluster the lab holds now: its namespaces, pods, Services and NetworkPolicies. */
export function labCluster(): Cluster {
  return Cluster.of((readJson<Json[]>('objects.json') ?? []).map((raw) => decodeObject(raw)));
}
