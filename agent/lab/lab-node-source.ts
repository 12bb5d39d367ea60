import { watch } from 'node:fs';
import { type AgentReport, LAB_DIR, readEndpoints, readLab, writeJson } from '../../server/lab/lab-store.ts';
import type { NodeSource, NodeState } from '../node-source.ts';
import { nodeNetnsPath } from './names.ts';
import { nodeAddress, nodeAddress6 } from './topology.ts';

/** The store's files a node's state comes from (written atomically: a rename to this name). */
const SOURCES = new Set(['lab.json', 'endpoints.json']);

/** A lab node's view of the lab's store: its pods, the PolicyEndpoints, and where its report goes. */
export class LabNodeSource implements NodeSource {
  private readonly node: string;

  constructor(node: string) {
    this.node = node;
  }

  read(): NodeState | undefined {
    const lab = readLab();
    const record = readEndpoints();
    if (!lab || !record) return undefined;
    const netns = nodeNetnsPath(this.node);
    const node = lab.nodes.find((candidate) => candidate.name === this.node);
    const nodeIPs = node ? [nodeAddress(node), ...(lab.ipv6 ? [nodeAddress6(node)] : [])] : [];
    return {
      pods: lab.pods
        .filter((pod) => pod.node === this.node)
        .map((pod) => ({
          key: pod.key,
          ips: [pod.ip],
          nodeIPs,
          podId: pod.podId,
          netns,
          ifname: pod.ifname,
        })),
      endpoints: record.endpoints,
      clusterEndpoints: record.clusterEndpoints ?? [],
      generation: record.generation,
      strict: lab.strict,
    };
  }

  watch(onChange: () => void): void {
    let pending: NodeJS.Timeout | undefined;
    watch(LAB_DIR, (_, file) => {
      // Only what read() reads: the folder also holds the agents' reports, flow files and logs,
      // which change all the time and would otherwise resync every agent on every write.
      if (file !== null && !SOURCES.has(file)) return;
      clearTimeout(pending);
      pending = setTimeout(onChange, 2);
    });
    // Events of a watched folder can be missed; a slow resync catches up.
    setInterval(onChange, 2000);
  }

  report(report: AgentReport): void {
    writeJson(`agent-${this.node}.json`, report);
  }
}
