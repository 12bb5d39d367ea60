import { REASONS, type Reason, TIERS, type Tier } from '../../agent/datapath/layout.ts';
import { integer, isObject, type Json, object, string } from '../kube/decode.ts';
import { FieldError } from '../kube/field-error.ts';
import { dnsSubdomainProblem, objectKeyProblem } from '../kube/names.ts';
import { parseIp } from '../net/ip.ts';
import { type AgentStatus, decodeAgentStatus } from '../nodes/agent-status.ts';

/** One flow verdict as the server keeps it: what an agent saw on one side of a connection. */
export interface Flow {
  /** Wall-clock milliseconds when the kernel saw the packet. */
  readonly time: number;
  /** The node whose agent reported it. */
  readonly node: string;
  /** The pod whose interface it crossed (`ns/name`), when the agent knew it. */
  readonly pod?: string;
  readonly direction: 'ingress' | 'egress';
  readonly verdict: 'allow' | 'deny';
  readonly kind: 'new-flow' | 'denied';
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  /** IP protocol number. */
  readonly protocol: number;
  /** The packet's address family (the ingest and the store always give it). */
  readonly family?: 4 | 6;
  /**
   * Why the kernel gave its verdict: `policy` (the pod's rules, or no isolation), `node` (traffic
   * with the pod's own node, e.g. kubelet probes), `cut` (a connection a policy change cut), `icmp`
   * (an ICMP error of no allowed flow), `fragment` (a later fragment of no allowed datagram),
   * `deny-all` (the direction is closed). Absent on flows stored before the kernel said.
   */
  readonly reason?: Reason;
  /**
   * The tier of the policy that decided: `Admin` or `Baseline` (a ClusterNetworkPolicy's Accept or
   * Deny), `NetworkPolicy` (one allowed it, or the pod is isolated and none did), `None` (nothing
   * decided: the pod is not isolated, or the kernel's reason was not a policy). The ingest and the
   * store always give it; flows stored before the kernel said read as `None`.
   */
  readonly tier?: Tier;
  /**
   * The policy whose rule decided the flow, when one did: a NetworkPolicy (`ns/name`) that allowed
   * it, or a ClusterNetworkPolicy (its name: cluster-scoped) that accepted or denied it.
   */
  readonly policy?: string;
  /**
   * The pod at the other end (`ns/name`): the one that held the peer's IP when the server took the
   * flow in, so that the name stays right after the IP goes to another pod.
   */
  readonly peer?: string;
  /**
   * `ns/name` of the Service whose ClusterIP is the other end (the client's side of a connection
   * through a Service: `peer` is then the backend that took it, where known).
   */
  readonly service?: string;
}

/** The latest time a flow may have (in 2090): the store keys rows by time (see flow-store.ts). */
export const MAX_FLOW_TIME = 3_800_000_000_000;

/** A batch an agent sends to `POST /api/ingest`. */
export interface IngestBatch {
  readonly node: string;
  /** How many flows the agent had to drop so far (its buffer was full while the server was away). */
  readonly dropped: number;
  readonly flows: readonly Flow[];
  /** The agent's datapath as it is now. */
  readonly status?: AgentStatus;
  /** Which batch this is of its agent process, so that one sent twice is stored once. */
  readonly batch?: { readonly sender: string; readonly seq: number };
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  const text = string(value, path);
  if (!(allowed as readonly string[]).includes(text))
    throw new FieldError(path, `must be one of ${allowed.join(', ')}`);
  return text as T;
}

function port(value: unknown, path: string): number {
  const number = integer(value, path);
  if (number < 0 || number > 65535) throw new FieldError(path, `must be between 0 and 65535, got ${number}`);
  return number;
}

function byte(value: unknown, path: string): number {
  const number = integer(value, path);
  if (number < 0 || number > 255) throw new FieldError(path, `must be between 0 and 255, got ${number}`);
  return number;
}

/** The flow's family as given, or (from agents that did not say) as its source address tells. */
function familyOf(flow: Json, path: string): 4 | 6 {
  if (flow.family === undefined) return String(flow.src).includes(':') ? 6 : 4;
  if (flow.family !== 4 && flow.family !== 6) throw new FieldError(`${path}.family`, 'must be 4 or 6');
  return flow.family;
}

/** An address of the flow's family. */
function address(value: unknown, path: string, family: 4 | 6): string {
  const text = string(value, path);
  if (parseIp(text)?.family !== family) throw new FieldError(path, `must be an IPv${family} address`);
  return text;
}

/**
 * The key of a pod (`ns/name`) or, `clusterScoped`, of a policy (a ClusterNetworkPolicy's is its
 * name): flows are found and shown by these names.
 */
export function flowName(value: unknown, path: string, clusterScoped = false): string {
  const text = string(value, path);
  const problem =
    text.length > 512 ? 'must be at most 512 characters' : objectKeyProblem(text, clusterScoped);
  if (problem) throw new FieldError(path, problem);
  return text;
}

/** A count that stays exact (a larger one would make any later count look the same). */
function count(value: unknown, path: string): number {
  const number = integer(value, path);
  if (number < 0 || number > Number.MAX_SAFE_INTEGER)
    throw new FieldError(path, `must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
  return number;
}

/** What an ingest body says besides its flows: the node, its drops, the batch's number, the agent's status. */
export type BatchHead = Omit<IngestBatch, 'flows'>;

/** Validates the part of an ingest body (JSON, or a frame's head) that is not flows. */
export function decodeBatchHead(body: Json): BatchHead {
  const node = string(body.node, 'node');
  const badNode = dnsSubdomainProblem(node);
  if (badNode) throw new FieldError('node', badNode);
  const dropped = body.dropped === undefined ? 0 : count(body.dropped, 'dropped');
  const status = body.status === undefined ? undefined : decodeAgentStatus(body.status, 'status');
  return {
    node,
    dropped,
    status,
    ...(body.batch === undefined ? {} : { batch: batchOf(body.batch) }),
  };
}

/** Validates an ingest body; errors name the field (`flows[12].dport`). */
export function decodeIngestBatch(raw: unknown): IngestBatch {
  const body = object(raw, 'body');
  const head = decodeBatchHead(body);
  const node = head.node;
  if (!Array.isArray(body.flows)) throw new FieldError('flows', 'must be a list');
  const flows = body.flows.map((item: unknown, i: number): Flow => {
    const path = `flows[${i}]`;
    const flow: Json = isObject(item) ? item : object(item, path);
    if (typeof flow.time !== 'number' || !(flow.time >= 0 && flow.time <= MAX_FLOW_TIME)) {
      throw new FieldError(`${path}.time`, 'must be milliseconds since the epoch, before the year 2090');
    }
    const family = familyOf(flow, path);
    return {
      time: flow.time,
      node,
      pod: flow.pod == null ? undefined : flowName(flow.pod, `${path}.pod`),
      direction: oneOf(flow.direction, `${path}.direction`, ['ingress', 'egress']),
      verdict: oneOf(flow.verdict, `${path}.verdict`, ['allow', 'deny']),
      kind: oneOf(flow.kind, `${path}.kind`, ['new-flow', 'denied']),
      src: address(flow.src, `${path}.src`, family),
      sport: port(flow.sport, `${path}.sport`),
      dst: address(flow.dst, `${path}.dst`, family),
      dport: port(flow.dport, `${path}.dport`),
      protocol: byte(flow.protocol, `${path}.protocol`),
      family,
      ...(flow.reason === undefined ? {} : { reason: oneOf(flow.reason, `${path}.reason`, REASONS) }),
      // A flow that does not say its tier (from an agent older than tiers) reads as None, as stored ones do.
      tier: flow.tier === undefined ? 'None' : oneOf(flow.tier, `${path}.tier`, TIERS),
      policy: flow.policy == null ? undefined : flowName(flow.policy, `${path}.policy`, true),
    };
  });
  return { ...head, flows };
}

function batchOf(value: unknown): IngestBatch['batch'] {
  const raw = object(value, 'batch');
  const sender = string(raw.sender, 'batch.sender');
  if (!/^[\w-]{1,64}$/.test(sender))
    throw new FieldError('batch.sender', 'must be 1 to 64 letters, digits, - or _');
  const seq = count(raw.seq, 'batch.seq');
  return { sender, seq };
}
