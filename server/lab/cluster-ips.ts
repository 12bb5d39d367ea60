import { createHash } from 'node:crypto';
import { keyOf } from '../kube/object-meta.ts';
import type { Service } from '../kube/service.ts';
import { formatIp, parseCidr } from '../net/ip.ts';

/**
 * Where the lab allocates ClusterIPs for Services that come without one, as an API server does
 * from its `--service-cluster-ip-range`. Nothing routes it: a ClusterIP means something only to
 * the nodes' DNAT rules.
 */
export const LAB_SERVICE_RANGE = '10.96.0.0/16';

/** A Service the lab cannot take as given (the CLI exits 2; the API answers 400). */
export class ClusterIpError extends Error {
  override name = 'ClusterIpError';
}

/**
 * `incoming` Services with their ClusterIPs: as given; else the one the same Service already
 * has in the lab (a ClusterIP does not change while its Service lives, as in Kubernetes); else
 * one from {@link LAB_SERVICE_RANGE}, picked from the Service's name so that the same state gives
 * the same addresses, the next free one on a collision. A given address another Service holds,
 * or a change of a Service's ClusterIP, is refused.
 */
export function withClusterIPs(incoming: readonly Service[], existing: readonly Service[]): Service[] {
  const holder = new Map<string, string>();
  const incomingKeys = new Set(incoming.map((service) => keyOf(service.metadata)));
  const before = new Map(existing.map((service) => [keyOf(service.metadata), service]));
  for (const service of existing) {
    if (incomingKeys.has(keyOf(service.metadata))) continue;
    for (const ip of service.clusterIPs) holder.set(ip, keyOf(service.metadata));
  }
  const claim = (service: Service, ip: string) => {
    const owner = holder.get(ip);
    const key = keyOf(service.metadata);
    if (owner && owner !== key) {
      throw new ClusterIpError(`Service ${key}: spec.clusterIP: ${ip} is already allocated to svc/${owner}`);
    }
    holder.set(ip, key);
  };
  // Given addresses first, so that an allocation never takes one the input asks for.
  for (const service of incoming) for (const ip of service.clusterIPs) claim(service, ip);
  return incoming.map((service) => {
    const key = keyOf(service.metadata);
    const had = before.get(key)?.clusterIPs ?? [];
    if (service.clusterIPs.length > 0) {
      if (had.length > 0 && had[0] !== service.clusterIPs[0]) {
        throw new ClusterIpError(
          `Service ${key}: spec.clusterIP: may not change from ${had[0]} to ${service.clusterIPs[0]} (it is immutable)`,
        );
      }
      return service;
    }
    if (service.headless || service.type === 'ExternalName') return service;
    if (had.length > 0) {
      for (const ip of had) claim(service, ip);
      return { ...service, clusterIPs: had };
    }
    const ip = freeAddress(key, holder);
    claim(service, ip);
    return { ...service, clusterIPs: [ip] };
  });
}

function freeAddress(key: string, taken: ReadonlyMap<string, string>): string {
  const range = parseCidr(LAB_SERVICE_RANGE);
  if (!range) throw new Error(`bad LAB_SERVICE_RANGE ${LAB_SERVICE_RANGE}`);
  const size = 2 ** (32 - range.prefix);
  // The network address, the first (the `kubernetes` Service's by custom) and the broadcast are left out.
  const usable = size - 3;
  const start = createHash('sha1').update(key).digest().readUInt32BE(0) % usable;
  for (let i = 0; i < usable; i++) {
    const offset = 2 + ((start + i) % usable);
    const ip = formatIp({ family: 4, value: range.network + BigInt(offset) });
    if (!taken.has(ip)) return ip;
  }
  throw new ClusterIpError(`no free ClusterIP left in the lab's range ${LAB_SERVICE_RANGE}`);
}
