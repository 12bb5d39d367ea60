import { execFileSync } from 'node:child_process';
import { encodeObject } from '../../server/kube/objects.ts';
import { type LabNode, readJson, writeJson } from '../../server/lab/lab-store.ts';
import type { Cluster } from '../../server/policy/cluster.ts';
import { labNames } from './dns-names.ts';
import { nodeNetns } from './names.ts';
import { serviceRules } from './service-rules.ts';

const RESTORE = { 4: 'iptables-legacy-restore', 6: 'ip6tables-legacy-restore' } as const;

/**
 * kube-proxy for the lab's nodes: keeps each node's netfilter rules (see {@link serviceRules})
 * and the lab's DNS names in step with the Services and their backends, and reports what it
 * applied. A node's table is replaced whole, so a node never holds half a change.
 */
export class ServiceProxy {
  private readonly nodes: readonly LabNode[];
  /** The rules each node's table holds, by `node family`, so that unchanged tables are left alone. */
  private readonly applied = new Map<string, string>();

  constructor(nodes: readonly LabNode[]) {
    this.nodes = nodes;
  }

  /** Brings every node and the names up to date with `cluster`, then reports `generation`. */
  sync(cluster: Cluster, generation: number): void {
    try {
      let portals = 0;
      for (const family of [4, 6] as const) {
        const rules = serviceRules(cluster, family);
        if (family === 4)
          portals = rules.split('\n').filter((line) => line.startsWith('-A PALISADE-SERVICES ')).length;
        for (const node of this.nodes) this.restore(node, family, rules);
      }
      writeChanged('names.json', Object.fromEntries(labNames(cluster)));
      writeChanged('services.json', cluster.allServices().map(encodeObject));
      writeChanged('proxy.json', { pid: process.pid, generation, portals });
    } catch (error) {
      writeChanged('proxy.json', {
        pid: process.pid,
        generation,
        portals: 0,
        error: (error as Error).message,
      });
    }
  }

  private restore(node: LabNode, family: 4 | 6, rules: string): void {
    const key = `${node.name} ${family}`;
    if (this.applied.get(key) === rules) return;
    // IPv6 tables are loaded only once some Service has an IPv6 ClusterIP.
    if (family === 6 && !this.applied.has(key) && !rules.includes('-A PALISADE-SERVICES ')) return;
    try {
      execFileSync('ip', ['netns', 'exec', nodeNetns(node.name), RESTORE[family]], {
        input: rules,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      throw new Error(
        `${RESTORE[family]} in ${nodeNetns(node.name)} failed: ${stderr || (error as Error).message} (it comes with the iptables package: apt-get install iptables)`,
      );
    }
    this.applied.set(key, rules);
  }
}

/** Writes a file of the lab's store only when its content changes: others watch the folder. */
function writeChanged(name: string, value: unknown): void {
  if (JSON.stringify(readJson(name)) !== JSON.stringify(value)) writeJson(name, value);
}
