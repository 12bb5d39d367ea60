import 'server-only';
import type { KubeConfig } from '@kubernetes/client-node';
import { ingestCounters } from '../flows/flow-service.ts';
import type { Credential } from '../http/credential.ts';
import { keyOf } from '../kube/object-meta.ts';
import { encodeObject } from '../kube/objects.ts';
import { AccessError, type KubeUser, mayDo, reviewToken } from '../kube-api/access-review.ts';
import { ClusterInformers } from '../kube-api/cluster-informers.ts';
import {
  CLUSTER_NETWORK_POLICIES,
  NAMESPACES,
  NETWORK_POLICIES,
  objectPath,
  PODS,
  POLICY_ENDPOINTS,
  SERVICES,
} from '../kube-api/informer.ts';
import { ApiError, applyObject, rawRequest } from '../kube-api/raw-request.ts';
import { logger } from '../log.ts';
import { type NodeStatus, shownDatapath } from '../nodes/node-status.ts';
import { Cluster } from '../policy/cluster.ts';
import type { EditablePolicy } from '../policy/policy-body.ts';
import {
  type AgentIdentity,
  type Caller,
  type ClusterSource,
  type PolicyWrite,
  SourceError,
  type SourceStatus,
} from './cluster-source.ts';

const FIELD_MANAGER = 'palisade-dashboard';
const SYNC_TIMEOUT_MS = 15000;
/** How long an agent's token, once reviewed, is trusted without asking again. */
const AGENT_REVIEW_TTL_MS = 60000;
/** The audience of the tokens agents send (projected for it in deploy/agent/daemonset.yaml). */
export const INGEST_AUDIENCE = 'palisade-ingest';
/** An agent heard from this recently counts as healthy (an idle agent still sends its status every 10 s). */
const AGENT_SEEN_MS = 30000;
/** Agent tokens not bound to a pod, each held to the one node it first sent for (at most this many). */
const PINNED_TOKENS = 10_000;

export interface KubeSourceOptions {
  /** Refuse every write: the dashboard only shows what the cluster holds (e.g. EKS with AWS's agent). */
  readonly readOnly: boolean;
  /** `namespace:name` of the agents' ServiceAccount. */
  readonly agentServiceAccount: string;
}

/**
 * A Kubernetes cluster as the dashboard's cluster: Namespaces, Pods, NetworkPolicies and
 * PolicyEndpoints kept by informers. Writes need the caller's bearer token: the API server says
 * who it is (TokenReview) and whether they may change NetworkPolicies there (SubjectAccessReview),
 * and the write is made with that token, as them, so the dashboard never grants more than the
 * caller has. (Impersonation would do the same only by giving the dashboard the right to
 * impersonate anyone, cluster-admin included; the caller's own token needs no right at all.) All
 * policies of a request pass a server-side dry run before any is written.
 */
export class KubeSource implements ClusterSource {
  private readonly config: KubeConfig;
  private readonly options: KubeSourceOptions;
  private readonly objects = new Cluster();
  private readonly informers: ClusterInformers;
  private readonly synced: Promise<void>;
  private readonly agentReviews = new Map<string, { user: KubeUser; until: number }>();
  /** The node each agent token without a node of its own has spoken for, by the token's uid or itself. */
  private readonly pinnedNodes = new Map<string, string>();

  constructor(config: KubeConfig, options: KubeSourceOptions) {
    this.config = config;
    this.options = options;
    this.informers = new ClusterInformers(
      config,
      [NAMESPACES, PODS, SERVICES, NETWORK_POLICIES, CLUSTER_NETWORK_POLICIES, POLICY_ENDPOINTS],
      this.objects,
      logger('dashboard'),
    );
    this.informers.start();
    this.synced = this.informers.synced();
  }

  /** Stops the informers (the server keeps its source for its lifetime; tests do not). */
  stop(): void {
    this.informers.stop();
  }

  status(): SourceStatus {
    return {
      mode: 'kubernetes',
      datapath: 'cluster',
      readOnly: this.options.readOnly,
      server: this.config.getCurrentCluster()?.server,
    };
  }

  async cluster(): Promise<Cluster> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SourceError(503, `the API server at ${this.status().server} has not answered yet`)),
        SYNC_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.synced, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.objects;
  }

  async applyPolicies(policies: readonly EditablePolicy[], caller: Caller): Promise<PolicyWrite> {
    const { user, token } = this.asKubeUser(caller);
    for (const policy of policies)
      await this.requireAllowed(user, 'patch', policy.kind, policy.metadata.namespace);
    const write = (policy: EditablePolicy, dryRun: boolean) =>
      applyObject(
        this.config,
        objectPath(kindOf(policy.kind), policy.metadata.namespace, policy.metadata.name),
        encodeObject(policy),
        FIELD_MANAGER,
        { dryRun, bearer: token },
      );
    // Every policy passes a dry run before any is written; then they are written one by one, and
    // should one still fail, the answer says which were written.
    // A 404 on apply: a NetworkPolicy's namespace is not there, or the API does not serve the kind
    // (ClusterNetworkPolicy's CRD not installed).
    const about = (policy: EditablePolicy, i: number) => ({
      object: `${policy.kind} ${keyOf(policy.metadata)}`,
      notFound: policy.kind === 'NetworkPolicy' ? 'metadata.namespace' : 'kind',
      document: i + 1,
    });
    for (const [i, policy] of policies.entries())
      await this.refusedAsInput(() => write(policy, true), about(policy, i));
    const applied: string[] = [];
    for (const [i, policy] of policies.entries()) {
      try {
        await this.refusedAsInput(() => write(policy, false), about(policy, i));
      } catch (error) {
        if (applied.length === 0) throw error;
        throw new SourceError(409, `${(error as Error).message}; already written: ${applied.join(', ')}`);
      }
      applied.push(`${policy.kind} ${keyOf(policy.metadata)}`);
    }
    return { applied };
  }

  /** Deletes the NetworkPolicy `ns/name`, or the ClusterNetworkPolicy `name`. */
  async deletePolicy(key: string, caller: Caller): Promise<PolicyWrite> {
    const parts = key.split('/');
    const [namespace, name] = parts.length === 1 ? ['', parts[0] ?? ''] : parts;
    if (parts.length > 2 || !name || namespace === undefined || (parts.length === 2 && !namespace))
      throw new SourceError(
        400,
        `${JSON.stringify(key)} is neither ns/name nor a cluster policy's name`,
        'name',
      );
    const kind = namespace ? 'NetworkPolicy' : 'ClusterNetworkPolicy';
    const { user, token } = this.asKubeUser(caller);
    await this.requireAllowed(user, 'delete', kind, namespace);
    await this.refusedAsInput(
      () => rawRequest(this.config, 'DELETE', objectPath(kindOf(kind), namespace, name), undefined, token),
      { object: `${kind} ${key}`, notFound: 'name' },
    );
    return { applied: [] };
  }

  /**
   * The nodes that run pods. An agent is known by what it sends: healthy means heard from lately
   * and applying its state; its programs, drops and map fill are as it last told.
   */
  async nodes(): Promise<NodeStatus[]> {
    const cluster = await this.cluster();
    const { lastBatch, agentStatus } = ingestCounters();
    const podsByNode = new Map<string, string[]>();
    for (const pod of cluster.allPods()) {
      if (!pod.nodeName) continue;
      podsByNode.set(pod.nodeName, [...(podsByNode.get(pod.nodeName) ?? []), keyOf(pod.metadata)]);
    }
    return [...podsByNode]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, pods]): NodeStatus => {
        const status = agentStatus[name];
        const heard = Date.now() - (lastBatch[name] ?? 0) < AGENT_SEEN_MS;
        return {
          name,
          datapath: 'cluster',
          agent: { lastSeen: lastBatch[name], error: status?.error, healthy: heard && !status?.error },
          ...shownDatapath(name, pods, status),
        };
      });
  }

  /**
   * An agent is the agents' ServiceAccount, with a token made for the ingest's audience. A token
   * bound to the agent's pod names its node and speaks for that node only; one that names no node
   * (`kubectl create token`) speaks for the first node it sends for, and only that one afterwards.
   */
  async authenticateAgent(token: string): Promise<AgentIdentity | undefined> {
    let review = this.agentReviews.get(token);
    if (!review || review.until < Date.now()) {
      const now = Date.now();
      for (const [known, { until }] of this.agentReviews) if (until < now) this.agentReviews.delete(known);
      try {
        review = {
          user: await reviewToken(this.config, token, [INGEST_AUDIENCE]),
          until: now + AGENT_REVIEW_TTL_MS,
        };
      } catch (error) {
        if (error instanceof AccessError) return undefined;
        throw error;
      }
      this.agentReviews.set(token, review);
    }
    const { user } = review;
    const [namespace, name] = this.options.agentServiceAccount.split(':');
    if (user.username !== `system:serviceaccount:${namespace}:${name}`) return undefined;
    const boundNode = user.extra['authentication.kubernetes.io/node-name'];
    const tokenId = user.extra['authentication.kubernetes.io/credential-id']?.[0] ?? token;
    return {
      name: user.username,
      speaksFor: (node) => {
        if (boundNode) return boundNode.includes(node);
        const pinned = this.pinnedNodes.get(tokenId);
        if (pinned !== undefined) return pinned === node;
        if (this.pinnedNodes.size >= PINNED_TOKENS) {
          const oldest = this.pinnedNodes.keys().next().value;
          if (oldest !== undefined) this.pinnedNodes.delete(oldest);
        }
        this.pinnedNodes.set(tokenId, node);
        return true;
      },
    };
  }

  async authenticate(credential: Credential): Promise<Caller> {
    if (this.options.readOnly)
      throw new SourceError(405, 'the dashboard is read-only here (PALISADE_READ_ONLY)');
    if (!credential.bearer)
      throw new AccessError(
        401,
        'changing policies needs your Kubernetes bearer token (Authorization: Bearer …)',
      );
    const user = await reviewToken(this.config, credential.bearer);
    return { username: user.username, kube: { user, token: credential.bearer } };
  }

  /** The Kubernetes user of a write (one {@link authenticate} made). */
  private asKubeUser(caller: Caller): { user: KubeUser; token: string } {
    if (this.options.readOnly)
      throw new SourceError(405, 'the dashboard is read-only here (PALISADE_READ_ONLY)');
    if (!caller.kube) throw new AccessError(401, 'changing policies needs your Kubernetes bearer token');
    return caller.kube;
  }

  private async requireAllowed(
    user: KubeUser,
    verb: string,
    kind: EditablePolicy['kind'],
    namespace: string,
  ): Promise<void> {
    const cluster = kind === 'ClusterNetworkPolicy';
    const allowed = await mayDo(this.config, user, {
      verb,
      group: cluster ? 'networking.k8s.aws' : 'networking.k8s.io',
      resource: cluster ? 'clusternetworkpolicies' : 'networkpolicies',
      ...(cluster ? {} : { namespace }),
    });
    if (!allowed) {
      throw new AccessError(
        403,
        cluster
          ? `${user.username} may not ${verb} ClusterNetworkPolicies`
          : `${user.username} may not ${verb} NetworkPolicies in namespace ${namespace}`,
      );
    }
  }

  /**
   * Runs an API write; what the API server refuses comes back as the caller's error, about the
   * object written (and its document in the body), naming the field at fault: the one the API
   * server named, or for a 404 the one that named what is not there.
   */
  private async refusedAsInput<T>(
    write: () => Promise<T>,
    about: { object: string; notFound: string; document?: number },
  ): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof ApiError && error.code >= 400 && error.code < 500) {
        if (error.code === 403) throw new AccessError(403, `${about.object}: ${error.reason}`);
        const field = error.code === 404 ? about.notFound : error.field;
        throw new SourceError(error.code, `${about.object}: ${error.reason}`, field, about.document);
      }
      throw error;
    }
  }
}

/** Where a kind of policy is written. */
function kindOf(kind: EditablePolicy['kind']) {
  return kind === 'ClusterNetworkPolicy' ? CLUSTER_NETWORK_POLICIES : NETWORK_POLICIES;
}
