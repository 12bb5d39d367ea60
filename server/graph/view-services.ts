import type { Flow } from '../flows/flow.ts';
import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import type { Cluster } from '../policy/cluster.ts';
import { serviceBackends } from '../policy/service.ts';
import type { ViewService } from './graph-view.ts';

/** Every Service, sorted by key, each linked to the drawn `nodes` (`nodeOf` names a pod's) that hold its backends. */
export function viewServices(
  cluster: Cluster,
  nodes: readonly { readonly id: string }[],
  nodeOf: (pod: Pod) => string,
): ViewService[] {
  const drawn = new Set(nodes.map((node) => node.id));
  return cluster
    .allServices()
    .map((service) => ({
      id: keyOf(service.metadata),
      namespace: service.metadata.namespace,
      name: service.metadata.name,
      clusterIPs: service.clusterIPs,
      headless: service.headless,
      ports: service.ports.map((port) => `${port.port}/${port.protocol} → ${port.targetPort}`),
      backends: [...new Set(serviceBackends(cluster, service).map(nodeOf))]
        .filter((id) => drawn.has(id))
        .sort(),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The pod a flow went to: the one holding its destination, or through a ClusterIP the backend it names. */
export function podAtOtherEnd(cluster: Cluster, flow: Flow): Pod | undefined {
  return cluster.podByIp(flow.dst) ?? (flow.service && flow.peer ? cluster.pod(flow.peer) : undefined);
}
