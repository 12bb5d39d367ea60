import type { AgentStatus } from '../nodes/agent-status.ts';

/** What the server's ingest has seen, for `/metrics` and the nodes page. */
export interface IngestCounters {
  batches: number;
  flows: number;
  /** Refused requests by HTTP status. */
  refused: Record<number, number>;
  /** Flows agents reported dropping (their buffers were full), by node: the last figure each sent. */
  agentDropped: Record<string, number>;
  /** Flows stored at their arrival because their time was too far past the server's clock, by node. */
  aheadFlows: Record<string, number>;
  /** Flows not stored because they were older than the store keeps, by node. */
  expiredFlows: Record<string, number>;
  /** When each node's agent last delivered a batch (milliseconds since the epoch). */
  lastBatch: Record<string, number>;
  /** Each node's agent's datapath, as it last told. */
  agentStatus: Record<string, AgentStatus>;
}

export function newIngestCounters(): IngestCounters {
  return {
    batches: 0,
    flows: 0,
    refused: {},
    agentDropped: {},
    aheadFlows: {},
    expiredFlows: {},
    lastBatch: {},
    agentStatus: {},
  };
}

/** Counts one ingest request turned away with `status`. */
export function countRefused(counters: IngestCounters, status: number): void {
  counters.refused[status] = (counters.refused[status] ?? 0) + 1;
}

/** The counters, and the gauges given, in the Prometheus text format. */
export function renderServerMetrics(
  counters: IngestCounters,
  gauges: { storedFlows: number; streamReaders: number },
): string {
  const lines = [
    '# HELP palisade_ingest_batches_total Flow batches accepted from agents.',
    '# TYPE palisade_ingest_batches_total counter',
    `palisade_ingest_batches_total ${counters.batches}`,
    '# HELP palisade_ingest_flows_total Flows accepted from agents.',
    '# TYPE palisade_ingest_flows_total counter',
    `palisade_ingest_flows_total ${counters.flows}`,
    '# HELP palisade_ingest_refused_total Ingest requests refused, by HTTP status.',
    '# TYPE palisade_ingest_refused_total counter',
    ...Object.entries(counters.refused).map(
      ([status, count]) => `palisade_ingest_refused_total{status="${status}"} ${count}`,
    ),
    '# HELP palisade_agent_dropped_flows Flows an agent dropped while the server was away (as it last reported).',
    '# TYPE palisade_agent_dropped_flows gauge',
    ...Object.entries(counters.agentDropped).map(
      ([node, count]) => `palisade_agent_dropped_flows{node="${node.replace(/"/g, '')}"} ${count}`,
    ),
    "# HELP palisade_ingest_ahead_flows_total Flows stamped more than 5 minutes past the server's clock (the agent's clock is ahead), stored at the time they arrived.",
    '# TYPE palisade_ingest_ahead_flows_total counter',
    ...Object.entries(counters.aheadFlows).map(
      ([node, count]) => `palisade_ingest_ahead_flows_total{node="${node.replace(/"/g, '')}"} ${count}`,
    ),
    "# HELP palisade_ingest_expired_flows_total Flows older than the history keeps (the agent's clock is behind), not stored.",
    '# TYPE palisade_ingest_expired_flows_total counter',
    ...Object.entries(counters.expiredFlows).map(
      ([node, count]) => `palisade_ingest_expired_flows_total{node="${node.replace(/"/g, '')}"} ${count}`,
    ),
    '# HELP palisade_stored_flows Flows in the history store.',
    '# TYPE palisade_stored_flows gauge',
    `palisade_stored_flows ${gauges.storedFlows}`,
    '# HELP palisade_flow_stream_readers Browsers reading the live flow stream.',
    '# TYPE palisade_flow_stream_readers gauge',
    `palisade_flow_stream_readers ${gauges.streamReaders}`,
  ];
  return `${lines.join('\n')}\n`;
}
