import { parseIp } from '../net/ip.ts';
import { integer, type Json, list, object, optionalObject, optionalString, quoted } from './decode.ts';
import { FieldError } from './field-error.ts';
import { portNameProblem } from './names.ts';
import { decodeObjectMeta, type ObjectMeta } from './object-meta.ts';
import { decodeProtocol, type Protocol } from './protocol.ts';

/** A port a container declares; named ones can be referred to by NetworkPolicy ports. */
export interface ContainerPort {
  /** The IANA service name, when the port is named. */
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

/** The part of a core/v1 Pod that network policy depends on. */
export interface Pod {
  readonly kind: 'Pod';
  readonly metadata: ObjectMeta;
  /** The node the pod is scheduled on (`spec.nodeName`). */
  readonly nodeName?: string;
  /** Pods on the host network are outside NetworkPolicy's reach. */
  readonly hostNetwork: boolean;
  /** Every container's declared ports, in order. */
  readonly ports: readonly ContainerPort[];
  /** `status.podIP`, once assigned: the first of `podIPs`. */
  readonly podIP?: string;
  /**
   * `status.podIPs`: every IP of the pod, one per family on a dual-stack cluster, `podIP` first.
   * Absent on objects that give only `podIP`; {@link podIPsOf} reads either.
   */
  readonly podIPs?: readonly string[];
  /** `status.hostIP`, the node's address. */
  readonly hostIP?: string;
  /** `status.hostIPs`: every address of the node, `hostIP` first; {@link hostIPsOf} reads either. */
  readonly hostIPs?: readonly string[];
  /** `status.phase`; Succeeded and Failed pods no longer take part in policy. */
  readonly phase?: string;
}

export function decodePod(raw: Json): Pod {
  const metadata = decodeObjectMeta(raw.metadata, true);
  const spec = optionalObject(raw.spec, 'spec') ?? {};
  const status = optionalObject(raw.status, 'status') ?? {};
  const ports = list(spec.containers, 'spec.containers').flatMap((container, c) => {
    const path = `spec.containers[${c}]`;
    // A container names each of its ports once, as the API server requires.
    const names = new Set<string>();
    return list(object(container, path).ports, `${path}.ports`).map((raw, p) => {
      const port = decodeContainerPort(raw, `${path}.ports[${p}]`);
      if (port.name !== undefined) {
        if (names.has(port.name))
          throw new FieldError(`${path}.ports[${p}].name`, `duplicate port name ${quoted(port.name)}`);
        names.add(port.name);
      }
      return port;
    });
  });
  const pod = decodeIPs(status, 'podIP');
  const host = decodeIPs(status, 'hostIP');
  return {
    kind: 'Pod',
    metadata,
    nodeName: optionalString(spec.nodeName, 'spec.nodeName'),
    hostNetwork: hostNetworkOf(spec.hostNetwork),
    ports,
    podIP: pod.ip,
    ...(pod.ips.length > 1 ? { podIPs: pod.ips } : {}),
    hostIP: host.ip,
    ...(host.ips.length > 1 ? { hostIPs: host.ips } : {}),
    phase: optionalString(status.phase, 'status.phase'),
  };
}

/** `spec.hostNetwork`: a pod on its node's network is no policy pod, so a mistyped one is refused. */
function hostNetworkOf(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new FieldError('spec.hostNetwork', 'must be true or false');
  return value;
}

/**
 * `status.podIP` and `status.podIPs` (or the hostIP pair) as the API server validates them: every
 * address valid, at most one of each family, the single field equal to the first of the list.
 */
function decodeIPs(status: Json, field: 'podIP' | 'hostIP'): { ip?: string; ips: string[] } {
  const single = optionalString(status[field], `status.${field}`) || undefined;
  if (single && !parseIp(single))
    throw new FieldError(`status.${field}`, `invalid IP address ${quoted(single)}`);
  const ips = list(status[`${field}s`], `status.${field}s`).map((item, i) => {
    const path = `status.${field}s[${i}].ip`;
    const ip = optionalString(object(item, `status.${field}s[${i}]`).ip, path) ?? '';
    if (!parseIp(ip)) throw new FieldError(path, `invalid IP address ${quoted(ip)}`);
    return ip;
  });
  if (ips.length > 2 || (ips.length === 2 && parseIp(ips[0] ?? '')?.family === parseIp(ips[1] ?? '')?.family))
    throw new FieldError(`status.${field}s`, 'at most one address of each family');
  if (single && ips.length > 0 && ips[0] !== single)
    throw new FieldError(`status.${field}s[0].ip`, `must equal status.${field} ${quoted(single)}`);
  const ip = single ?? ips[0];
  return { ip, ips: ips.length > 0 ? ips : ip ? [ip] : [] };
}

/** Every IP of the pod (`status.podIPs`, or `status.podIP` alone), the primary first. */
export const podIPsOf = (pod: Pod): readonly string[] => pod.podIPs ?? (pod.podIP ? [pod.podIP] : []);

/** Every address of the pod's node (`status.hostIPs`, or `status.hostIP` alone). */
export const hostIPsOf = (pod: Pod): readonly string[] => pod.hostIPs ?? (pod.hostIP ? [pod.hostIP] : []);

function decodeContainerPort(value: unknown, path: string): ContainerPort {
  const raw = object(value, path);
  const containerPort = integer(raw.containerPort, `${path}.containerPort`);
  if (containerPort < 1 || containerPort > 65535) {
    throw new FieldError(`${path}.containerPort`, `must be between 1 and 65535, got ${containerPort}`);
  }
  const name = optionalString(raw.name, `${path}.name`);
  const problem = name === undefined ? undefined : portNameProblem(name);
  if (problem) throw new FieldError(`${path}.name`, `invalid port name ${quoted(name)}: ${problem}`);
  return { name, containerPort, protocol: decodeProtocol(raw.protocol, `${path}.protocol`) };
}

/** Whether the pod takes part in network policy: running (or pending) and not on the host network. */
export function isPolicyPod(pod: Pod): boolean {
  return !pod.hostNetwork && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}
