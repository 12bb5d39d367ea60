import { readAgentReport, readLab } from '../lab/lab-store.ts';

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
  /** From the agent's metrics, when it answers. */
  readonly lostEvents?: number;
  readonly deniedPackets?: number;
  readonly mapFill?: Readonly<Record<string, number>>;
}

/** A value of the agent's Prometheus text, summed over its series. */
function metric(text: string, name: string): number | undefined {
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((match) =>
    Number(match[1]),
  );
  return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) : undefined;
}

/** The highest fill ratio of each pod's maps. */
function mapFill(text: string): Record<string, number> {
  const fill: Record<string, number> = {};
  for (const match of text.matchAll(/^palisade_map_fill_ratio\{[^}]*pod="([^"]+)"[^}]*\} (\S+)$/gm)) {
    const [, pod = '', value = '0'] = match;
    fill[pod] = Math.max(fill[pod] ?? 0, Number(value));
  }
  return fill;
}

/** Every lab node with what its agent reports and what its metrics say. */
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
      const text =
        lab.datapath === 'ebpf'
          ? await fetch(`http://127.0.0.1:${9470 + node.index}/metrics`, {
              signal: AbortSignal.timeout(1000),
            })
              .then((response) => (response.ok ? response.text() : ''))
              .catch(() => '')
          : '';
      return {
        name: node.name,
        datapath: lab.datapath,
        agent: {
          pid: report?.pid,
          generation: report?.generation,
          error: report?.error,
          healthy:
            lab.datapath === 'simulated' ||
            (report !== undefined && !report.error && text !== '' && report.generation >= generation),
        },
        pods: lab.pods
          .filter((pod) => pod.node === node.name)
          .map((pod) => {
            const programs = report?.pods[pod.key];
            return {
              pod: pod.key,
              ingressProgram: programs?.ingressId,
              egressProgram: programs?.egressId,
              adopted: programs?.adopted,
            };
          }),
        lostEvents: metric(text, 'palisade_lost_events_total'),
        deniedPackets: metric(text, 'palisade_denied_packets_total'),
        mapFill: text ? mapFill(text) : undefined,
      };
    }),
  );
}
