import 'server-only';
import { DATA_DIR } from '../data-dir.ts';
import type { Cluster } from '../policy/cluster.ts';
import { nameBlock } from './block-naming.ts';
import type { Flow } from './flow.ts';
import { FlowStore } from './flow-store.ts';
import { FlowStream } from './flow-stream.ts';
import type { FlowNaming } from './ingest.ts';
import { type IngestCounters, newIngestCounters } from './ingest-counters.ts';
import { ServiceFlowNamer } from './service-flows.ts';

const holder = globalThis as {
  palisadeFlowStore?: FlowStore;
  palisadeFlowStream?: FlowStream;
  palisadeIngestCounters?: IngestCounters;
  palisadeFlowNamer?: ServiceFlowNamer<Flow>;
  palisadeNamerTimer?: NodeJS.Timeout;
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

/**
 * How ingested flows are named by the pods and Services of `cluster` at their other end. A stored
 * flow to a ClusterIP that waits for its backend's side gets its backend in the store when that
 * comes, and reaches live readers then, or after a second without it.
 */
export function flowNaming(cluster: Cluster): FlowNaming {
  holder.palisadeFlowNamer ??= new ServiceFlowNamer<Flow>();
  const namer = holder.palisadeFlowNamer;
  return {
    name: (node, block) => nameBlock(cluster, namer, node, block),
    settle: ({ flows }) => {
      const { publish, completed } = namer.settle(flows);
      if (completed.length > 0) flowStore().nameBackends(completed);
      releaseLater();
      return publish;
    },
  };
}

/** Passes on to live readers, a little later, the flows that waited for their backend in vain. */
function releaseLater(): void {
  const namer = holder.palisadeFlowNamer;
  if (holder.palisadeNamerTimer || !namer || namer.pending === 0) return;
  holder.palisadeNamerTimer = setTimeout(() => {
    holder.palisadeNamerTimer = undefined;
    const late = namer.due();
    if (late.length > 0) flowStream().publish(late);
    releaseLater();
  }, 200);
  holder.palisadeNamerTimer.unref();
}
