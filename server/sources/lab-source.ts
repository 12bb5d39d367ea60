import 'server-only';
import { apiTokenFile, ensureApiToken, sameSecret } from '../http/api-token.ts';
import type { Credential } from '../http/credential.ts';
import { AccessError } from '../kube-api/access-review.ts';
import { fileStamp, labCluster, readEndpoints, readJson, readLab } from '../lab/lab-store.ts';
import { applyToLab, deletePoliciesFromLab, LabInputError } from '../lab/lab-writes.ts';
import { type NodeStatus, nodeStatuses } from '../nodes/node-status.ts';
import type { Cluster } from '../policy/cluster.ts';
import {
  type AgentIdentity,
  type Caller,
  type ClusterSource,
  type PolicyWrite,
  SourceError,
  type SourceStatus,
} from './cluster-source.ts';

/**
 * The lab as the dashboard's cluster: its store, its writes (with the server's API token), its
 * agents' tokens (one per node, in the lab's `tokens.json`).
 */
export class LabSource implements ClusterSource {
  /** The lab's objects as last read, kept while their file is unchanged. */
  private cached?: { stamp: string; cluster: Cluster };

  status(): SourceStatus {
    const lab = readLab();
    return {
      mode: 'lab',
      datapath: lab?.datapath ?? 'none',
      simulatedBecause: lab?.simulatedBecause,
      readOnly: lab?.kubeconfig !== undefined,
    };
  }

  /** The lab's objects and the PolicyEndpoints its agents enforce. */
  async cluster(): Promise<Cluster> {
    const stamp = ['objects.json', 'endpoints.json'].map(fileStamp).join(' ');
    if (this.cached?.stamp !== stamp) {
      const cluster = labCluster();
      const record = readEndpoints();
      for (const endpoint of [...(record?.endpoints ?? []), ...(record?.clusterEndpoints ?? [])])
        cluster.set(endpoint);
      this.cached = { stamp, cluster };
    }
    return this.cached.cluster;
  }

  async applyPolicies(policies: Parameters<ClusterSource['applyPolicies']>[0]): Promise<PolicyWrite> {
    return this.write(() => applyToLab(policies));
  }

  async deletePolicy(key: string): Promise<PolicyWrite> {
    return this.write(async () => ({ applied: [], ...(await deletePoliciesFromLab([key])) }));
  }

  nodes(): Promise<NodeStatus[]> {
    return nodeStatuses();
  }

  async authenticate(credential: Credential): Promise<Caller> {
    const given = credential.bearer ?? credential.session;
    const how = `open the link \`npm start\` printed, or send Authorization: Bearer with the token in ${apiTokenFile()}`;
    if (!given) throw new AccessError(401, `changing the lab needs Palisade's API token: ${how}`);
    if (!sameSecret(given, ensureApiToken()))
      throw new AccessError(401, `the API token is not this server's: ${how}`);
    return { username: 'lab' };
  }

  async authenticateAgent(token: string): Promise<AgentIdentity | undefined> {
    const tokens = readJson<Record<string, string>>('tokens.json') ?? {};
    // Every token is compared, so the time taken does not say which node's was near.
    const matches = Object.entries(tokens).filter(([, expected]) => sameSecret(token, expected));
    const [node] = matches.length === 1 ? (matches[0] ?? []) : [];
    return node === undefined
      ? undefined
      : { name: `agent of ${node}`, speaksFor: (asked) => asked === node };
  }

  private async write(change: () => Promise<PolicyWrite>): Promise<PolicyWrite> {
    if (!readLab()) throw new SourceError(409, 'the lab is not up: run `palisade lab up`');
    try {
      return await change();
    } catch (error) {
      if (error instanceof LabInputError) throw new SourceError(error.status, error.message, error.field);
      throw error;
    }
  }
}
