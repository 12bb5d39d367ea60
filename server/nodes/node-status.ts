import { type ClosedPod, closedPodsOf } from '../lab/closed-pod.ts';
import { readAgentReport, readLab } from '../lab/lab-store.ts';
import { type AgentStatus, decodeAgentStatus } from './agent-status.ts';

/** One node as the dashboard shows it: its agent's health, its pods' programs, its datapath. */
export interface NodeStatus {
  readonly name: string;
  /** `cluster`: a Kubernetes node, whose agent the server knows by the flows it sends. */
  readonly datapath: 'ebpf' | 'simulated' | 'cluster';
  readonly agent: {
    /** When the agent was last heard from (Kubernetes mode): a flow batch, or its status when idle. */
    readonly lastSeen?: number;
    readonly pid?: number;
    readonly generation?: number;
    readonly error?: string;
    readonly healthy: boolean;
  };
  readonly pods: readonly {
    readonly pod: string;
    readonly ingressProgram?: number;
    readonly egressProgram?: number;
    readonly adopted?: boolean;
  }[];
  /** Pods the agent closed rather than enforce part of their rules. */
  readonly closed: readonly ClosedPod[];
  /** From the agent's metrics, when it answers. */
  readonly lostEvents?: number;
  readonly deniedPackets?: number;
  readonly mapFill?: Readonly<Record<string, number>>;
}

/** What an agent's status says of its node's pods and datapath, as the nodes page shows it. */
export function shownDatapath(
  node: string,
  pods: readonly string[],
  status: Partial<AgentStatus> | undefined,
): Pick<NodeStatus, 'pods' | 'closed' | 'lostEvents' | 'deniedPackets' | 'mapFill'> {
  return {
    closed: status ? closedPodsOf(node, status) : [],
    pods: pods.map((pod) => {
      const programs = status?.pods?.[pod];
      return {
        pod,
        ingressProgram: programs?.ingressId,
        egressProgram: programs?.egressId,
        adopted: programs?.adopted,
      };
    }),
    lostEvents: status?.lostEvents,
    deniedPackets: status?.deniedPackets,
    mapFill: status?.mapFill,
  };
}

/** A lab agent's status from its endpoint on this machine; none when it does not answer, or answers wrong. */
async function labAgentStatus(index: number): Promise<AgentStatus | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${9470 + index}/status`, {
      signal: AbortSignal.timeout(1000),
    });
    return response.ok ? decodeAgentStatus(await response.json(), 'status') : undefined;
  } catch {
    return undefined;
  }
}

/** Every lab node with what its agent reports and what it says of its datapath now. */
export async function nodeStatuses(): Promise<NodeStatus[]> {
  const lab = readLab();
  if (!lab) return [];
  // The lab's generations are shared by its agents; against a cluster each agent counts its own.
  const generation = lab.kubeconfig
    ? 0
    : Math.max(0, ...lab.nodes.map((node) => readAgentReport(node.name)?.generation ?? 0));
  return Promise.all(
    lab.nodes.map(async (node): Promise<NodeStatus> => {
      const report = lab.datapath === 'ebpf' ? readAgentReport(node.name) : undefined;
      const status = lab.datapath === 'ebpf' ? await labAgentStatus(node.index) : undefined;
      const pods = lab.pods.filter((pod) => pod.node === node.name).map((pod) => pod.key);
      return {
        name: node.name,
        datapath: lab.datapath,
        agent: {
          pid: report?.pid,
          generation: report?.generation,
          error: report?.error,
          healthy:
            lab.datapath === 'simulated' ||
            (report !== undefined &&
              !report.error &&
              status !== undefined &&
              report.generation >= generation),
        },
        // A stopped agent leaves its programs attached: they are shown from its last report.
        ...shownDatapath(node.name, pods, status ?? report),
      };
    }),
  );
}
