import { allows, compilePodRules, identityOf } from '../../agent/datapath/compile.ts';
import { EndpointsIndex } from '../controller/endpoints-index.ts';
import { keyOf } from '../kube/object-meta.ts';
import { podIPsOf } from '../kube/pod.ts';
import { PROTOCOL_NUMBERS } from '../kube/protocol.ts';
import type { Cluster } from './cluster.ts';
import { evaluateService, type ServiceVerdict } from './evaluate-service.ts';

/** One pod's connection to one Service port through its ClusterIP: the model's verdict and the kernel's. */
export interface ClusterIpCase {
  /** `ns/pod -> ns/service port/PROTOCOL`, for messages. */
  readonly name: string;
  readonly model: ServiceVerdict;
  /** Whether the pod's egress rules, compiled by the agent's code from the controller's endpoints (both kinds), let it out toward the ClusterIP. */
  readonly kernel: boolean;
}

/** Every pod's connection to every port of every Service that has a ClusterIP, judged both ways (for property tests). */
export function clusterIpCases(cluster: Cluster): ClusterIpCase[] {
  const index = new EndpointsIndex(cluster);
  const [endpoints, clusterEndpoints] = [index.all(), index.allCluster()];
  const services = cluster.allServices().filter((service) => service.clusterIPs.length > 0);
  return cluster.allPods().flatMap((pod) => {
    const identity = identityOf(keyOf(pod.metadata), podIPsOf(pod));
    const { egress } = compilePodRules(identity, endpoints, clusterEndpoints);
    return services.flatMap((service) =>
      service.ports.map((port) => ({
        name: `${keyOf(pod.metadata)} -> ${keyOf(service.metadata)} ${port.port}/${port.protocol}`,
        model: evaluateService(cluster, { pod, ip: cluster.ipOf(pod) }, service, port),
        kernel: allows(egress, service.clusterIPs[0] ?? '', port.port, PROTOCOL_NUMBERS[port.protocol]),
      })),
    );
  });
}
