import { formatIp, parseIp } from '../net/ip.ts';
import {
  integer,
  type Json,
  list,
  object,
  optionalObject,
  optionalString,
  quoted,
  string,
  stringMap,
} from './decode.ts';
import { FieldError } from './field-error.ts';
import type { Labels } from './label-selector.ts';
import { labelKeyProblem, labelValueProblem, portNameProblem } from './names.ts';
import { decodeObjectMeta, type ObjectMeta } from './object-meta.ts';
import { decodeProtocol, type Protocol } from './protocol.ts';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
/** How a Service is exposed; NodePort and LoadBalancer have a ClusterIP too, and inside the cluster act as ClusterIP. */
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** `spec.clusterIP` of a headless Service: no virtual address, its name resolves to its pods. */
export const HEADLESS = 'None';

/** One port a Service listens on, and where on its pods the traffic goes. */
export interface ServicePort {
  /** The port's name (an IANA service name); required when a Service has more than one port. */
  readonly name?: string;
  /** The port clients connect to on the ClusterIP. */
  readonly port: number;
  /**
   * Where the traffic goes on each backend: a number, or the name of a container port, which
   * each backend resolves for itself (backends without it get none of this port's traffic).
   * Defaults to `port`, as the API server does.
   */
  readonly targetPort: number | string;
  /** TCP when absent, as the API server defaults it. */
  readonly protocol: Protocol;
}

/** The part of a core/v1 Service that policy, the datapath and the lab depend on. */
export interface Service {
  readonly kind: 'Service';
  readonly metadata: ObjectMeta;
  /** `spec.type`, ClusterIP when absent. */
  readonly type: ServiceType;
  /**
   * The Service's virtual addresses (`spec.clusterIPs`, or `spec.clusterIP` alone), normalized;
   * empty for headless and ExternalName Services, and for a Service not yet given one.
   */
  readonly clusterIPs: readonly string[];
  /** `spec.clusterIP` is `None`: DNS answers the backends' own addresses and no traffic is translated. */
  readonly headless: boolean;
  /**
   * `spec.selector`: the backends are the pods of the Service's namespace carrying all these
   * labels. Absent (empty) means no pod is chosen by label (endpoints managed by hand).
   */
  readonly selector: Labels;
  /** `spec.ports`: at least one, unless the Service is headless or an ExternalName. */
  readonly ports: readonly ServicePort[];
}

/** Reads a Service, checking what the API server checks of the fields Palisade uses; the error names the field. */
export function decodeService(raw: Json): Service {
  const metadata = decodeObjectMeta(raw.metadata, true);
  const spec = optionalObject(raw.spec, 'spec') ?? {};
  const type = decodeType(spec.type);
  const selector = stringMap(spec.selector, 'spec.selector');
  for (const [key, value] of Object.entries(selector)) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) throw new FieldError(`spec.selector.${key}`, `invalid label: ${problem}`);
  }
  const { clusterIPs, headless } = decodeClusterIPs(spec, type);
  const ports = list(spec.ports, 'spec.ports').map((port, i) => decodePort(port, `spec.ports[${i}]`));
  if (ports.length === 0 && !headless && type !== 'ExternalName')
    throw new FieldError('spec.ports', 'is required: a Service with a ClusterIP needs at least one port');
  checkUnique(ports);
  return { kind: 'Service', metadata, type, clusterIPs, headless, selector, ports };
}

function decodeType(value: unknown): ServiceType {
  const type = optionalString(value, 'spec.type') ?? 'ClusterIP';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
    throw new FieldError(
      'spec.type',
      `unsupported type ${quoted(type)}: must be one of ${SERVICE_TYPES.join(', ')}`,
    );
  }
  return type as ServiceType;
}

function decodeClusterIPs(spec: Json, type: ServiceType): { clusterIPs: string[]; headless: boolean } {
  const single = optionalString(spec.clusterIP, 'spec.clusterIP') ?? '';
  const many = list(spec.clusterIPs, 'spec.clusterIPs').map((item, i) =>
    string(item, `spec.clusterIPs[${i}]`),
  );
  if (single && many.length > 0 && many[0] !== single) {
    throw new FieldError(
      'spec.clusterIPs[0]',
      `must equal spec.clusterIP ${quoted(single)}, got ${quoted(many[0])}`,
    );
  }
  const given = many.length > 0 ? many : single ? [single] : [];
  const headless = given[0] === HEADLESS;
  if (type === 'ExternalName') {
    if (given.length > 0) throw new FieldError('spec.clusterIP', 'must be empty for an ExternalName Service');
    return { clusterIPs: [], headless: false };
  }
  if (headless) {
    if (given.length > 1)
      throw new FieldError('spec.clusterIPs', 'must hold only "None" for a headless Service');
    if (type !== 'ClusterIP')
      throw new FieldError('spec.clusterIP', `may not be "None" for a Service of type ${type}`);
    return { clusterIPs: [], headless: true };
  }
  if (given.length > 2)
    throw new FieldError('spec.clusterIPs', 'may hold at most two addresses, one per family');
  const clusterIPs = given.map((text, i) => {
    const field = many.length > 0 ? `spec.clusterIPs[${i}]` : 'spec.clusterIP';
    const ip = parseIp(text);
    if (!ip) throw new FieldError(field, `invalid IP address ${quoted(text)}`);
    return formatIp(ip);
  });
  if (
    clusterIPs.length === 2 &&
    parseIp(clusterIPs[0] ?? '')?.family === parseIp(clusterIPs[1] ?? '')?.family
  )
    throw new FieldError('spec.clusterIPs[1]', 'must be of the other IP family than spec.clusterIPs[0]');
  return { clusterIPs, headless: false };
}

function decodePort(value: unknown, path: string): ServicePort {
  const raw = object(value, path);
  const port = integer(raw.port, `${path}.port`);
  if (port < 1 || port > 65535)
    throw new FieldError(`${path}.port`, `must be between 1 and 65535, got ${port}`);
  const name = optionalString(raw.name, `${path}.name`) || undefined;
  const nameProblem = name === undefined ? undefined : portNameProblem(name);
  if (nameProblem) throw new FieldError(`${path}.name`, `invalid port name ${quoted(name)}: ${nameProblem}`);
  const protocol = decodeProtocol(raw.protocol, `${path}.protocol`);
  return {
    ...(name ? { name } : {}),
    port,
    targetPort: decodeTargetPort(raw.targetPort, port, path),
    protocol,
  };
}

/** A number, a container port name, or (absent, or 0 as the API server reads it) the service port itself. */
function decodeTargetPort(value: unknown, port: number, path: string): number | string {
  const field = `${path}.targetPort`;
  if (value === undefined || value === null || value === 0 || value === '') return port;
  if (typeof value === 'string') {
    // kubectl prints numeric target ports as numbers; a quoted number is the same port.
    if (/^[0-9]+$/.test(value)) return decodeTargetPort(Number(value), port, path);
    const problem = portNameProblem(value);
    if (problem) throw new FieldError(field, `invalid port name ${quoted(value)}: ${problem}`);
    return value;
  }
  const number = integer(value, field);
  if (number < 1 || number > 65535) throw new FieldError(field, `must be between 1 and 65535, got ${number}`);
  return number;
}

function checkUnique(ports: readonly ServicePort[]): void {
  const names = new Set<string>();
  const listens = new Set<string>();
  ports.forEach((port, i) => {
    if (ports.length > 1 && !port.name)
      throw new FieldError(`spec.ports[${i}].name`, 'is required when a Service has more than one port');
    if (port.name) {
      if (names.has(port.name))
        throw new FieldError(`spec.ports[${i}].name`, `duplicate port name ${quoted(port.name)}`);
      names.add(port.name);
    }
    const listen = `${port.port}/${port.protocol}`;
    if (listens.has(listen)) throw new FieldError(`spec.ports[${i}]`, `duplicate port ${listen}`);
    listens.add(listen);
  });
}

/** The Service back in the form the API writes (what {@link decodeService} reads). */
export function encodeService(service: Service, metadata: Json): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: service.type,
      ...(service.headless
        ? { clusterIP: HEADLESS }
        : service.clusterIPs.length > 0
          ? { clusterIP: service.clusterIPs[0], clusterIPs: [...service.clusterIPs] }
          : {}),
      ...(Object.keys(service.selector).length > 0 ? { selector: { ...service.selector } } : {}),
      ports: service.ports.map((port) => ({ ...port })),
    },
  };
}

/** A service port for people: `http 80/TCP → http`. */
export function describeServicePort(port: ServicePort): string {
  return `${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol} → ${port.targetPort}`;
}
