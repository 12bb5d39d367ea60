import 'server-only';
import { DATA_DIR } from '../data-dir.ts';
import { FlowStore } from './flow-store.ts';
import { FlowStream } from './flow-stream.ts';
import { type IngestCounters, newIngestCounters } from './ingest-counters.ts';

const holder = globalThis as {
  palisadeFlowStore?: FlowStore;
  palisadeFlowStream?: FlowStream;
  palisadeIngestCounters?: IngestCounters;
};

/** The server's flow store, opened once per process. */
export function flowStore(): FlowStore {
  holder.palisadeFlowStore ??= new FlowStore(`${DATA_DIR}/flows.sqlite`);
  return holder.palisadeFlowStore;
}

/** The server's live fan-out of ingested flows. */
export function flowStream(): FlowStream {
  holder.palisadeFlowStream ??= new FlowStream();
  return holder.palisadeFlowStream;
}

/** What the ingest has seen since the server started. */
export function ingestCounters(): IngestCounters {
  holder.palisadeIngestCounters ??= newIngestCounters();
  return holder.palisadeIngestCounters;
}
