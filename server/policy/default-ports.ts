import type { Cluster } from './cluster.ts';
import type { PortProtocol } from './endpoint.ts';

/**
 * The ports worth a matrix when none are asked for: every container port the pods declare and
 * every single port the policies name, or 80/TCP when there are none.
 */
export function defaultPorts(cluster: Cluster): PortProtocol[] {
  const ports = new Map<string, PortProtocol>();
  const add = (port: PortProtocol) => ports.set(`${port.port}/${port.protocol}`, port);
  for (const pod of cluster.allPods()) {
    for (const port of pod.ports) add({ port: port.containerPort, protocol: port.protocol });
  }
  for (const policy of cluster.allPolicies()) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      for (const port of rule.ports)
        if (typeof port.port === 'number') add({ port: port.port, protocol: port.protocol });
    }
  }
  if (ports.size === 0) add({ port: 80, protocol: 'TCP' });
  return [...ports.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}
