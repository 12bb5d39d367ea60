import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { labCluster, labFile, readEndpoints, readJson, readLab } from '../lab/lab-store.ts';
import { applyToLab, deletePoliciesFromLab, LabInputError } from '../lab/lab-writes.ts';
import { type NodeStatus, nodeStatuses } from '../nodes/node-status.ts';
import type { Cluster } from '../policy/cluster.ts';
import { type ClusterSource, type PolicyWrite, SourceError, type SourceStatus } from './cluster-source.ts';

/** What changes when a file of the lab's store is rewritten (each write is a rename: a new inode). */
function fileStamp(name: string): string {
  try {
    const stat = statSync(labFile(name));
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  } catch {
    return 'none';
  }
}

/** Whether `given` is `expected`, in time that does not depend on where they differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The lab as the dashboard's cluster: its store, its writes, its agents' tokens. */
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
      for (const endpoint of readEndpoints()?.endpoints ?? []) cluster.set(endpoint);
      this.cached = { stamp, cluster };
    }
    return this.cached.cluster;
  }

  async applyPolicies(policies: Parameters<ClusterSource['applyPolicies']>[0]): Promise<PolicyWrite> {
    return this.write(() => applyToLab(policies));
  }

  async deletePolicy(key: string): Promise<PolicyWrite> {
    return this.write(async () => ({ applied: [], generation: await deletePoliciesFromLab([key]) }));
  }

  nodes(): Promise<NodeStatus[]> {
    return nodeStatuses();
  }

  async agentMayIngest(token: string, node: string): Promise<boolean> {
    const expected = readJson<Record<string, string>>('tokens.json')?.[node];
    return expected !== undefined && sameSecret(token, expected);
  }

  private async write(change: () => Promise<PolicyWrite>): Promise<PolicyWrite> {
    if (!readLab()) throw new SourceError(409, 'the lab is not up: run `palisade lab up`');
    try {
      return await change();
    } catch (error) {
      if (error instanceof LabInputError) throw new SourceError(400, error.message);
      throw error;
    }
  }
}
