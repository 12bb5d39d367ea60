import { integer, object, optionalString } from '../kube/decode.ts';
import { FieldError } from '../kube/field-error.ts';
import { dnsLabelProblem, dnsSubdomainProblem } from '../kube/names.ts';

/** The programs the agent attached for one pod, by their kernel ids. */
export interface PodPrograms {
  readonly ingressId: number;
  readonly egressId: number;
  /** Found pinned from an earlier run of the agent and kept, rather than attached anew. */
  readonly adopted: boolean;
}

/**
 * What a node's agent tells the server with its flow batches (and, when no flow comes, on its
 * own every few seconds), so that the nodes page can show a cluster's datapath as well as the lab's.
 */
export interface AgentStatus {
  readonly pods: Readonly<Record<string, PodPrograms>>;
  readonly deniedPackets: number;
  readonly lostEvents: number;
  /** The fullest of each pod's maps, as a fraction of its capacity. */
  readonly mapFill: Readonly<Record<string, number>>;
  /** Pods closed in a direction rather than enforce part of their rules: pod → direction → why. */
  readonly failClosed?: Readonly<Record<string, { readonly ingress?: string; readonly egress?: string }>>;
  /** Pods whose programs could not be attached at all: pod → why. */
  readonly podErrors?: Readonly<Record<string, string>>;
  /** Why the agent could not apply its last state, if it could not. */
  readonly error?: string;
}

function count(value: unknown, path: string): number {
  const number = integer(value, path);
  if (number < 0) throw new FieldError(path, `must not be negative, got ${number}`);
  return number;
}

/** A pod's key, `namespace/name`, as both parts' syntax allows (so never `__proto__` or the like). */
function podKey(key: string, path: string): string {
  const parts = key.split('/');
  const [namespace = '', name = ''] = parts;
  const problem =
    parts.length !== 2 ? 'must be namespace/name' : (dnsLabelProblem(namespace) ?? dnsSubdomainProblem(name));
  if (problem) throw new FieldError(`${path}[${JSON.stringify(key)}]`, `pod key ${problem}`);
  return key;
}

/** Validates the `status` of an ingest batch; errors name the field (`status.pods["a/b"].ingressId`). */
export function decodeAgentStatus(value: unknown, path: string): AgentStatus {
  const raw = object(value, path);
  const pods: Record<string, PodPrograms> = {};
  for (const [pod, item] of Object.entries(object(raw.pods ?? {}, `${path}.pods`))) {
    const at = `${path}.pods[${JSON.stringify(podKey(pod, `${path}.pods`))}]`;
    const programs = object(item, at);
    if (typeof programs.adopted !== 'boolean') throw new FieldError(`${at}.adopted`, 'must be true or false');
    pods[pod] = {
      ingressId: count(programs.ingressId, `${at}.ingressId`),
      egressId: count(programs.egressId, `${at}.egressId`),
      adopted: programs.adopted,
    };
  }
  const mapFill: Record<string, number> = {};
  for (const [pod, fill] of Object.entries(object(raw.mapFill ?? {}, `${path}.mapFill`))) {
    podKey(pod, `${path}.mapFill`);
    if (typeof fill !== 'number' || !(fill >= 0 && fill <= 1))
      throw new FieldError(`${path}.mapFill[${JSON.stringify(pod)}]`, 'must be a fraction between 0 and 1');
    mapFill[pod] = fill;
  }
  const failClosed: Record<string, { ingress?: string; egress?: string }> = {};
  for (const [pod, item] of Object.entries(object(raw.failClosed ?? {}, `${path}.failClosed`))) {
    const at = `${path}.failClosed[${JSON.stringify(podKey(pod, `${path}.failClosed`))}]`;
    const directions = object(item, at);
    const ingress = optionalString(directions.ingress, `${at}.ingress`);
    const egress = optionalString(directions.egress, `${at}.egress`);
    failClosed[pod] = {
      ...(ingress === undefined ? {} : { ingress }),
      ...(egress === undefined ? {} : { egress }),
    };
  }
  const podErrors: Record<string, string> = {};
  for (const [pod, reason] of Object.entries(object(raw.podErrors ?? {}, `${path}.podErrors`))) {
    const at = `${path}.podErrors[${JSON.stringify(podKey(pod, `${path}.podErrors`))}]`;
    podErrors[pod] = optionalString(reason, at) ?? '';
  }
  const error = optionalString(raw.error, `${path}.error`);
  return {
    pods,
    deniedPackets: count(raw.deniedPackets, `${path}.deniedPackets`),
    lostEvents: count(raw.lostEvents, `${path}.lostEvents`),
    mapFill,
    ...(Object.keys(failClosed).length ? { failClosed } : {}),
    ...(Object.keys(podErrors).length ? { podErrors } : {}),
    ...(error === undefined ? {} : { error }),
  };
}
