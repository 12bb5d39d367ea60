import { keyOf } from '../kube/object-meta.ts';
import type { Cluster } from '../policy/cluster.ts';
import type { Flow } from './flow.ts';
import type { FlowBlock } from './flow-records.ts';
import type { ServiceFlowNamer } from './service-flows.ts';

/** The flows of a block that concern a Service (see nameBlock), named: the `indexes`th of the block. */
export interface ServiceFlows {
  readonly indexes: readonly number[];
  readonly flows: readonly Flow[];
}

/** What is at an address: a pod (its id in the block), a Service's ClusterIP, or nothing known. */
const SERVICE = -1;
const NOTHING = 0;

/**
 * Names a block's flows (of `node`) in place by what is at their other end as of `cluster`: the
 * pod holding the peer's address, read from the records without making a flow of each (a batch
 * has few peers, each looked up once). The flows that concern a Service (to or from a ClusterIP,
 * or an allowed ingress flow of a pod that backs one: the backend's side of such a connection)
 * are named by `namer`, as flows, and returned for it to settle once they are stored.
 */
export function nameBlock(
  cluster: Cluster,
  namer: ServiceFlowNamer<Flow>,
  node: string,
  block: FlowBlock,
): ServiceFlows {
  const { records } = block;
  const peers = new Map<number | string, number>();
  const backends = namer.backendsOf(cluster);
  const isBackend = new Map<number, boolean>();
  const indexes: number[] = [];
  for (let i = 0; i < records.count; i++) {
    const key = records.peerKey(i);
    let peer = peers.get(key);
    if (peer === undefined) {
      const address = records.peerText(i);
      const pod = cluster.podByIp(address);
      peer = pod ? block.idOf(keyOf(pod.metadata)) : cluster.serviceByIp(address) ? SERVICE : NOTHING;
      peers.set(key, peer);
    }
    if (peer > 0) records.setPeer(i, peer);
    const pod = records.pod(i);
    let backend = isBackend.get(pod);
    if (backend === undefined) {
      const name = block.nameOf(pod);
      backend = name !== undefined && backends.has(name);
      isBackend.set(pod, backend);
    }
    if (peer === SERVICE || (backend && !records.egress(i) && !records.deny(i))) indexes.push(i);
  }
  const flows = namer.name(
    cluster,
    indexes.map((i) => block.flow(i, node)),
  );
  flows.forEach((flow, k) => {
    const i = indexes[k] as number;
    records.setPeer(i, block.idOf(flow.peer));
    records.setService(i, block.idOf(flow.service));
  });
  return { indexes, flows };
}
