import { keyOf } from '../kube/object-meta.ts';
import type { Pod } from '../kube/pod.ts';
import { formatIp, type Ip, parseIp } from '../net/ip.ts';
import type { Cluster } from './cluster.ts';

/** One end of a connection: a pod (with its IP when it has one), or an address outside the cluster's pods. */
export type Endpoint =
  | { readonly pod: Pod; readonly ip?: Ip }
  | { readonly pod?: undefined; readonly ip: Ip };

/** A port and its protocol, as a connection uses it. */
export interface PortProtocol {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

/** `ns/pod` for pods, the address otherwise. */
export function endpointName(endpoint: Endpoint): string {
  return endpoint.pod ? keyOf(endpoint.pod.metadata) : formatIp(endpoint.ip);
}

export function formatPortProtocol({ port, protocol }: PortProtocol): string {
  return `${port}/${protocol}`;
}

/**
 * A pod as one end of a connection whose other end is `other`: a packet's two addresses are of one
 * family, so a dual-stack pod takes its IP of the other end's family; otherwise its primary IP.
 */
export function podEnd(cluster: Cluster, pod: Pod, other?: Endpoint): Endpoint {
  return podEndIn(cluster, pod, other?.ip?.family);
}

/**
 * A pod named by name as the destination of a connection from the pod `source`: its address in the
 * first of its families (the primary first) that the source has too, so that a pod with no IPv6
 * address reaches a dual-stack pod whose primary address is IPv6 over IPv4; else its primary address.
 */
export function destinationEnd(cluster: Cluster, pod: Pod, source: Pod): Endpoint {
  return podEndIn(cluster, pod, sharedFamily(cluster.ipsOf(source), cluster.ipsOf(pod)));
}

/** The first family of `to`'s addresses that `from` has an address of too. */
export function sharedFamily(from: readonly Ip[], to: readonly Ip[]): Ip['family'] | undefined {
  return to.find((ip) => from.some((other) => other.family === ip.family))?.family;
}

/** A pod as one end of a connection in `family`: its IP of that family, else its primary IP. */
export function podEndIn(cluster: Cluster, pod: Pod, family: Ip['family'] | undefined): Endpoint {
  const ips = cluster.ipsOf(pod);
  return { pod, ip: ips.find((ip) => ip.family === family) ?? ips[0] };
}

/** The end at an address: the pod that has it, or the bare address; undefined when `text` is no IP. */
export function endpointAt(cluster: Cluster, text: string): Endpoint | undefined {
  const ip = parseIp(text);
  if (!ip) return undefined;
  const pod = cluster.podByIp(text);
  return pod ? { pod, ip } : { ip };
}
