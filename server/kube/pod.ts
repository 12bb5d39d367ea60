import { parseIp } from '../net/ip.ts';
import { integer, type Json, list, object, optionalObject, optionalString } from './decode.ts';
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
  /** `status.podIP`, once assigned. */
  readonly podIP?: string;
  /** `status.hostIP`, the node's address. */
  readonly hostIP?: string;
  /** `status.phase`; Succeeded and Failed pods no longer take part in policy. */
  readonly phase?: string;
}

export function decodePod(raw: Json): Pod {
  const metadata = decodeObjectMeta(raw.metadata, true);
  const spec = optionalObject(raw.spec, 'spec') ?? {};
  const status = optionalObject(raw.status, 'status') ?? {};
  const ports = list(spec.containers, 'spec.containers').flatMap((container, c) => {
    const path = `spec.containers[${c}]`;
    return list(object(container, path).ports, `${path}.ports`).map((port, p) =>
      decodeContainerPort(port, `${path}.ports[${p}]`),
    );
  });
  const podIP = optionalString(status.podIP, 'status.podIP');
  if (podIP && !parseIp(podIP))
    throw new FieldError('status.podIP', `invalid IP address ${JSON.stringify(podIP)}`);
  return {
    kind: 'Pod',
    metadata,
    nodeName: optionalString(spec.nodeName, 'spec.nodeName'),
    hostNetwork: spec.hostNetwork === true,
    ports,
    podIP: podIP || undefined,
    hostIP: optionalString(status.hostIP, 'status.hostIP') || undefined,
    phase: optionalString(status.phase, 'status.phase'),
  };
}

function decodeContainerPort(value: unknown, path: string): ContainerPort {
  const raw = object(value, path);
  const containerPort = integer(raw.containerPort, `${path}.containerPort`);
  if (containerPort < 1 || containerPort > 65535) {
    throw new FieldError(`${path}.containerPort`, `must be between 1 and 65535, got ${containerPort}`);
  }
  const name = optionalString(raw.name, `${path}.name`);
  const problem = name === undefined ? undefined : portNameProblem(name);
  if (problem) throw new FieldError(`${path}.name`, `invalid port name ${JSON.stringify(name)}: ${problem}`);
  return { name, containerPort, protocol: decodeProtocol(raw.protocol, `${path}.protocol`) };
}

/** Whether the pod takes part in network policy: running (or pending) and not on the host network. */
export function isPolicyPod(pod: Pod): boolean {
  return !pod.hostNetwork && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}
