import { mapEntries, nodeCounters } from './datapath/introspect.ts';
import { LAYOUT } from './datapath/layout.ts';
import { podDir } from './datapath/pins.ts';
import type { NamedFlow } from './node-agent.ts';

/** Map capacities, from agent/bpf/palisade.h. */
const RULES_CAPACITY = 16384;
const CONNTRACK_CAPACITY = 16384;

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/**
 * The agent's Prometheus metrics: verdicts by direction and policy (from the flow events), the
 * kernel's counters (denied packets, lost events, conntrack hits), map fill per pod, and what the
 * trip to the server dropped.
 */
export class AgentMetrics {
  private readonly node: string;
  private readonly verdicts = new Map<string, number>();

  constructor(node: string) {
    this.node = node;
  }

  record(flows: readonly NamedFlow[]): void {
    for (const flow of flows) {
      const key = `${flow.direction}\u0000${flow.verdict}\u0000${flow.policy ?? ''}`;
      this.verdicts.set(key, (this.verdicts.get(key) ?? 0) + 1);
    }
  }

  /** The kernel's counters for the node and the fill of each pod's maps (the active rule slot's and conntrack). */
  datapath(pods: readonly { key: string; ifname: string; activeSlot: number }[]) {
    const fill = pods.flatMap((pod) => {
      const dir = podDir(this.node, pod.ifname);
      const ratio = (map: string, keySize: number, capacity: number) => ({
        pod: pod.key,
        map,
        ratio: mapEntries(`${dir}/${map}`, keySize) / capacity,
      });
      return [
        ratio(`ingress_rules_${pod.activeSlot}`, LAYOUT.lpm_key.size, RULES_CAPACITY),
        ratio(`egress_rules_${pod.activeSlot}`, LAYOUT.lpm_key.size, RULES_CAPACITY),
        ratio('conntrack', LAYOUT.flow_key.size, CONNTRACK_CAPACITY),
      ];
    });
    return { counters: nodeCounters(this.node), fill };
  }

  render(
    datapath: ReturnType<AgentMetrics['datapath']>,
    shipping?: { dropped: number; buffered: number },
  ): string {
    const node = label(this.node);
    const lines = [
      '# HELP palisade_flow_verdicts_total Flow verdicts from the kernel: new flows allowed, packets denied (rate-limited per flow).',
      '# TYPE palisade_flow_verdicts_total counter',
    ];
    for (const [key, count] of this.verdicts) {
      const [direction, verdict, policy] = key.split('\u0000');
      lines.push(
        `palisade_flow_verdicts_total{node="${node}",direction="${direction}",verdict="${verdict}",policy="${label(policy ?? '')}"} ${count}`,
      );
    }
    const { counters, fill } = datapath;
    lines.push(
      '# HELP palisade_denied_packets_total Packets the datapath dropped.',
      '# TYPE palisade_denied_packets_total counter',
      `palisade_denied_packets_total{node="${node}"} ${counters.deniedPackets}`,
      '# HELP palisade_lost_events_total Flow events the ring buffer had no room for.',
      '# TYPE palisade_lost_events_total counter',
      `palisade_lost_events_total{node="${node}"} ${counters.lostEvents}`,
      '# HELP palisade_conntrack_hits_total Packets passed as part of a flow already allowed.',
      '# TYPE palisade_conntrack_hits_total counter',
      `palisade_conntrack_hits_total{node="${node}"} ${counters.conntrackHits}`,
      '# HELP palisade_map_fill_ratio Entries of a pod map over its capacity.',
      '# TYPE palisade_map_fill_ratio gauge',
      ...fill.map(
        ({ pod, map, ratio }) =>
          `palisade_map_fill_ratio{node="${node}",pod="${label(pod)}",map="${map}"} ${ratio}`,
      ),
    );
    if (shipping) {
      lines.push(
        '# HELP palisade_ingest_dropped_flows_total Flows dropped because the server was away and the buffer full.',
        '# TYPE palisade_ingest_dropped_flows_total counter',
        `palisade_ingest_dropped_flows_total{node="${node}"} ${shipping.dropped}`,
        '# HELP palisade_ingest_buffered_flows Flows waiting for the server.',
        '# TYPE palisade_ingest_buffered_flows gauge',
        `palisade_ingest_buffered_flows{node="${node}"} ${shipping.buffered}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
