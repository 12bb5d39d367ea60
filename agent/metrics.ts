import { mapFill, nodeCounters } from './datapath/introspect.ts';
import { DIRECTION, LAYOUT, TIERS } from './datapath/layout.ts';
import { kernelCounts } from './datapath/map-counts.ts';
import { podDir } from './datapath/pins.ts';
import type { RecordBatch } from './record-batch.ts';

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/**
 * The agent's Prometheus metrics: verdicts by direction, deciding tier and policy (from the flow events), the
 * kernel's counters (denied packets, lost events, conntrack hits), map fill per pod, and what the
 * trip to the server dropped.
 */
export class AgentMetrics {
  private readonly node: string;
  private readonly verdicts = new Map<string, number>();

  constructor(node: string) {
    this.node = node;
  }

  /** Counts the verdicts of a batch of records (read from their bytes: direction, verdict, tier, rule). */
  record(batch: RecordBatch): void {
    const { size, offsets } = LAYOUT.flow_event;
    const { records } = batch;
    const counts = new Map<number, number>();
    for (let base = 0; base + size <= records.length; base += size) {
      // Rule ids are 32 bits; with the tier (2 bits), direction and verdict bits the key stays below 2^36.
      const key =
        records.readUInt32LE(base + offsets.rule_id) * 16 +
        (records[base + offsets.tier] as number) * 4 +
        (records[base + offsets.direction] as number) * 2 +
        (records[base + offsets.verdict] as number);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, count] of counts) {
      const direction = Math.floor(key / 2) % 2 === DIRECTION.egress ? 'egress' : 'ingress';
      const verdict = key % 2 === 0 ? 'allow' : 'deny';
      const tier = TIERS[Math.floor(key / 4) % 4] ?? 'None';
      const policy = batch.policies[Math.floor(key / 16)] ?? '';
      const name = `${direction}\u0000${verdict}\u0000${tier}\u0000${policy}`;
      this.verdicts.set(name, (this.verdicts.get(name) ?? 0) + count);
    }
  }

  /**
   * The kernel's counters for the node and the fill of each pod's maps (the active rule slot's and
   * conntrack), against each map's capacity as the kernel reports it (conntrack's is configurable).
   */
  datapath(pods: readonly { key: string; ifname: string; activeSlot: number }[]) {
    const counts = kernelCounts();
    const fill = pods.flatMap((pod) => {
      const dir = podDir(this.node, pod.ifname);
      const ratio = (map: string) => {
        const { entries, capacity } = mapFill(`${dir}/${map}`, counts);
        return { pod: pod.key, map, entries, capacity, ratio: capacity ? entries / capacity : 0 };
      };
      return [
        ratio(`ingress_exact_${pod.activeSlot}`),
        ratio(`ingress_rules_${pod.activeSlot}`),
        ratio(`egress_exact_${pod.activeSlot}`),
        ratio(`egress_rules_${pod.activeSlot}`),
        ratio('conntrack'),
      ];
    });
    return { counters: nodeCounters(this.node), fill };
  }

  render(
    datapath: ReturnType<AgentMetrics['datapath']>,
    shipping?: { dropped: number; buffered: number },
    failures?: {
      readonly total: number;
      readonly failClosed: Readonly<Record<string, { readonly ingress?: string; readonly egress?: string }>>;
    },
  ): string {
    const node = label(this.node);
    const lines = [
      '# HELP palisade_flow_verdicts_total Flow verdicts from the kernel: new flows allowed, packets denied (rate-limited per flow), by deciding tier and policy.',
      '# TYPE palisade_flow_verdicts_total counter',
    ];
    for (const [key, count] of this.verdicts) {
      const [direction, verdict, tier, policy] = key.split('\u0000');
      lines.push(
        `palisade_flow_verdicts_total{node="${node}",direction="${direction}",verdict="${verdict}",tier="${tier}",policy="${label(policy ?? '')}"} ${count}`,
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
      "# HELP palisade_node_packets_total Packets passed as traffic with the pod's own node (kubelet probes).",
      '# TYPE palisade_node_packets_total counter',
      `palisade_node_packets_total{node="${node}"} ${counters.nodePackets}`,
      '# HELP palisade_related_icmp_total ICMP errors passed because they concern a flow let through.',
      '# TYPE palisade_related_icmp_total counter',
      `palisade_related_icmp_total{node="${node}"} ${counters.relatedIcmp}`,
      '# HELP palisade_fragments_total Later fragments passed because their first fragment was let through.',
      '# TYPE palisade_fragments_total counter',
      `palisade_fragments_total{node="${node}"} ${counters.fragments}`,
      '# HELP palisade_conntrack_reused_tuples_total New flows that took over the conntrack entry of an earlier flow with the same addresses and ports (a client port used again).',
      '# TYPE palisade_conntrack_reused_tuples_total counter',
      `palisade_conntrack_reused_tuples_total{node="${node}"} ${counters.reusedTuples}`,
      '# HELP palisade_map_fill_ratio Entries of a pod map over its capacity.',
      '# TYPE palisade_map_fill_ratio gauge',
      ...fill.map(
        ({ pod, map, ratio }) =>
          `palisade_map_fill_ratio{node="${node}",pod="${label(pod)}",map="${map}"} ${ratio}`,
      ),
      "# HELP palisade_conntrack_entries Flows in a pod's conntrack map (when it is full, the least recently used are evicted).",
      '# TYPE palisade_conntrack_entries gauge',
      ...fill
        .filter(({ map }) => map === 'conntrack')
        .map(
          ({ pod, entries }) => `palisade_conntrack_entries{node="${node}",pod="${label(pod)}"} ${entries}`,
        ),
      "# HELP palisade_conntrack_capacity Size of a pod's conntrack map.",
      '# TYPE palisade_conntrack_capacity gauge',
      ...fill
        .filter(({ map }) => map === 'conntrack')
        .map(
          ({ pod, capacity }) =>
            `palisade_conntrack_capacity{node="${node}",pod="${label(pod)}"} ${capacity}`,
        ),
    );
    if (failures) {
      lines.push(
        "# HELP palisade_pod_program_failures_total Times a pod's rules could not be programmed or read (the pod failed closed).",
        '# TYPE palisade_pod_program_failures_total counter',
        `palisade_pod_program_failures_total{node="${node}"} ${failures.total}`,
        '# HELP palisade_pod_fail_closed Pods closed in a direction because their rules could not be programmed or read.',
        '# TYPE palisade_pod_fail_closed gauge',
        ...Object.entries(failures.failClosed).flatMap(([pod, directions]) =>
          Object.keys(directions).map(
            (direction) =>
              `palisade_pod_fail_closed{node="${node}",pod="${label(pod)}",direction="${direction}"} 1`,
          ),
        ),
      );
    }
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
