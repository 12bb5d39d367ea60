import { podIPsOf } from '../../server/kube/pod.ts';
import { parseIp } from '../../server/net/ip.ts';
import type { Cluster } from '../../server/policy/cluster.ts';
import { serviceBackends } from '../../server/policy/service.ts';

/**
 * The lab's names, as a cluster's DNS serves them: `name.ns.svc.cluster.local` is a Service's
 * ClusterIP, or for a headless Service its backends' addresses. A pod with no Service of its name
 * stands for one (so state files without Services keep their names). IPv4 only, as the lab is.
 */
export function labNames(cluster: Cluster): Map<string, string[]> {
  const names = new Map<string, string[]>();
  const ipv4 = (ips: readonly (string | undefined)[]) =>
    ips.filter((ip): ip is string => parseIp(ip ?? '')?.family === 4);
  const nameOf = (meta: { name: string; namespace: string }) =>
    `${meta.name}.${meta.namespace}.svc.cluster.local`;
  for (const pod of cluster.allPods()) {
    const addresses = ipv4(podIPsOf(pod));
    if (addresses.length > 0) names.set(nameOf(pod.metadata), addresses);
  }
  for (const service of cluster.allServices()) {
    const addresses = service.headless
      ? ipv4(serviceBackends(cluster, service).flatMap(podIPsOf))
      : ipv4(service.clusterIPs);
    if (service.headless || addresses.length > 0) names.set(nameOf(service.metadata), addresses);
  }
  return names;
}
