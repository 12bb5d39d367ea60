import { createHash } from 'node:crypto';
import { keyOf } from '../../server/kube/object-meta.ts';
import { podIPsOf } from '../../server/kube/pod.ts';
import type { Service, ServicePort } from '../../server/kube/service.ts';
import { parseIp } from '../../server/net/ip.ts';
import type { Cluster } from '../../server/policy/cluster.ts';
import { portBackends } from '../../server/policy/service.ts';

/**
 * kube-proxy's job in a lab node, as netfilter rules in kube-proxy's iptables shape: a portal
 * per ClusterIP and service port, a random pick among the port's backends, and a DNAT to the
 * backend's target port. Connections a pod makes to its own Service (hairpin) are masqueraded,
 * or the reply would never come back through the node. A ClusterIP port without backends gets no
 * rule: the node has no route for it, so its packets are dropped there (no lab packet leaves the lab).
 * The whole `nat` table is written at once, one table per family, with iptables-restore.
 */

/** The mark a hairpin connection gets, to be masqueraded on its way out (kube-proxy's own bit). */
const MASQUERADE_MARK = '0x4000/0x4000';
const SERVICES = 'PALISADE-SERVICES';
const POSTROUTING = 'PALISADE-POSTROUTING';

const chain = (prefix: string, text: string) =>
  `${prefix}-${createHash('sha1').update(text).digest('hex').slice(0, 12).toUpperCase()}`;

/** iptables' name for a protocol. */
const matchOf = (port: ServicePort) => {
  const name = port.protocol.toLowerCase();
  return `-p ${name} -m ${name}`;
};

/** The `nat` table for one address family (4 or 6), in iptables-restore's format. */
export function serviceRules(cluster: Cluster, family: 4 | 6): string {
  const chains: string[] = [SERVICES, POSTROUTING];
  const rules: string[] = [
    `-A PREROUTING -m comment --comment "palisade lab: Service portals" -j ${SERVICES}`,
    `-A OUTPUT -m comment --comment "palisade lab: Service portals" -j ${SERVICES}`,
    `-A POSTROUTING -j ${POSTROUTING}`,
    `-A ${POSTROUTING} -m mark --mark ${MASQUERADE_MARK} -m comment --comment "hairpin to a Service" -j MASQUERADE`,
  ];
  const bits = family === 4 ? 32 : 128;
  for (const service of cluster.allServices()) {
    const clusterIPs = service.clusterIPs.filter((ip) => parseIp(ip)?.family === family);
    for (const port of service.ports) {
      // Each backend by its address of this family (a dual-stack pod has one of each).
      const backends = portBackends(cluster, service, port).flatMap(({ pod, target }) => {
        const ip = podIPsOf(pod).find((candidate) => parseIp(candidate)?.family === family);
        return ip ? [{ pod, ip, target }] : [];
      });
      if (backends.length === 0 || clusterIPs.length === 0) continue;
      const name = portName(service, port);
      const svcChain = chain('PALISADE-SVC', name);
      chains.push(svcChain);
      for (const ip of clusterIPs) {
        rules.push(
          `-A ${SERVICES} -d ${ip}/${bits} ${matchOf(port)} --dport ${port.port} -m comment --comment "${name}" -j ${svcChain}`,
        );
      }
      backends.forEach(({ pod, ip, target }, i) => {
        const address = family === 4 ? `${ip}:${target}` : `[${ip}]:${target}`;
        const sepChain = chain('PALISADE-SEP', `${name} ${address}`);
        chains.push(sepChain);
        // Backend i of n is taken with probability 1/(n-i): every backend equally likely.
        const left = backends.length - i;
        const pick = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
        rules.push(
          `-A ${svcChain} -m comment --comment "${name} -> ${keyOf(pod.metadata)}"${pick} -j ${sepChain}`,
          `-A ${sepChain} -s ${ip}/${bits} -j MARK --set-xmark ${MASQUERADE_MARK}`,
          `-A ${sepChain} ${matchOf(port)} -j DNAT --to-destination ${address}`,
        );
      });
    }
  }
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...chains.map((name) => `:${name} - [0:0]`),
    ...rules,
    'COMMIT',
    '',
  ].join('\n');
}

/** `ns/name:port-name` (or the port and protocol when unnamed), as the rules' comments say. */
function portName(service: Service, port: ServicePort): string {
  return `${keyOf(service.metadata)}:${port.name ?? `${port.port}/${port.protocol}`}`;
}
