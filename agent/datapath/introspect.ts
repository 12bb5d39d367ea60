import { execFileSync } from 'node:child_process';
import { protocolOfNumber } from '../../server/kube/protocol.ts';
import type { LabPodRecord } from '../../server/lab/lab-store.ts';
import { readEndpoints } from '../../server/lab/lab-store.ts';
import { formatCidr } from '../../server/net/ip.ts';
import { nodeNetnsPath } from '../lab/names.ts';
import { addon } from './addon.ts';
import { policyKeys, ruleIdOf } from './compile.ts';
import { MODE, type PortRange, TIERS, type Tier } from './layout.ts';
import { entriesOf, kernelCounts } from './map-counts.ts';
import { nodeDir } from './pins.ts';
import { PodDatapath } from './pod-datapath.ts';

/** What the kernel holds for a node and its pods, read from the pinned programs and maps. */

const MODE_NAMES: Record<number, string> = {
  [MODE.allowAll]: 'allow-all',
  [MODE.enforce]: 'enforce',
  [MODE.denyAll]: 'deny-all',
  [MODE.enforceOpen]: 'enforce-open',
};
const ACTION_NAMES = ['allow', 'deny', 'pass'] as const;
/** A protocol number as people read it (0 is any protocol, in the kernel's rules). */
export const protocolName = (number: number) =>
  protocolOfNumber(number) ?? (number === 0 ? 'any' : String(number));

export function datapathOf(pod: LabPodRecord): PodDatapath {
  return new PodDatapath({
    node: pod.node,
    netns: nodeNetnsPath(pod.node),
    ifname: pod.ifname,
    podId: pod.podId,
    nodeIPs: [],
  });
}

/** The policy a kernel rule id stands for, by the lab's current PolicyEndpoints. */
export function policyNames(): Map<number, string> {
  const names = new Map<number, string>();
  const record = readEndpoints();
  for (const key of policyKeys(record?.endpoints ?? [], record?.clusterEndpoints ?? []))
    names.set(ruleIdOf(key), key);
  return names;
}

export interface ProgramInfo {
  readonly id: number;
  readonly name: string;
  readonly tag: string;
  readonly loadedAt: string;
  readonly bytesJited: number;
  readonly mapIds: readonly number[];
}

/** bpftool's view of a program. */
export function programInfo(id: number): ProgramInfo | undefined {
  if (!id) return undefined;
  const raw = JSON.parse(
    execFileSync('bpftool', ['-j', 'prog', 'show', 'id', String(id)], { encoding: 'utf8' }),
  ) as {
    id: number;
    name: string;
    tag: string;
    loaded_at: number | string;
    bytes_jited: number;
    map_ids?: number[];
  };
  const loaded =
    typeof raw.loaded_at === 'number' ? new Date(raw.loaded_at * 1000).toISOString() : raw.loaded_at;
  return {
    id: raw.id,
    name: raw.name,
    tag: raw.tag,
    loadedAt: loaded,
    bytesJited: raw.bytes_jited,
    mapIds: raw.map_ids ?? [],
  };
}

/**
 * How many entries a pinned map holds, and how many it can; `counts` (kernelCounts) read once
 * serves a whole listing.
 */
export function mapFill(path: string, counts = kernelCounts()): { entries: number; capacity: number } {
  const fd = addon().openPinned(path);
  try {
    const info = addon().mapInfo(fd);
    return { entries: entriesOf(fd, info, counts), capacity: info.maxEntries };
  } finally {
    addon().closeFd(fd);
  }
}

/** How many entries a pinned map holds. */
export const mapEntries = (path: string, counts = kernelCounts()) => mapFill(path, counts).entries;

/** The node-wide counters, summed over CPUs. */
export function nodeCounters(node: string): {
  lostEvents: number;
  allowedFlows: number;
  deniedPackets: number;
  conntrackHits: number;
  nodePackets: number;
  relatedIcmp: number;
  fragments: number;
  reusedTuples: number;
} {
  const fd = addon().openPinned(`${nodeDir(node)}/counters`);
  const cpus = addon().possibleCpus();
  const read = (index: number) => {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(index);
    const value = addon().mapLookup(fd, key, 8 * cpus);
    let total = 0n;
    for (let cpu = 0; value && cpu < cpus; cpu++) total += value.readBigUInt64LE(cpu * 8);
    return Number(total);
  };
  try {
    return {
      lostEvents: read(0),
      allowedFlows: read(1),
      deniedPackets: read(2),
      conntrackHits: read(3),
      nodePackets: read(4),
      relatedIcmp: read(5),
      fragments: read(6),
      reusedTuples: read(7),
    };
  } finally {
    addon().closeFd(fd);
  }
}

export interface RuleEntry {
  readonly cidr: string;
  /** Which map holds it: `exact` (whole addresses, a hash map) or `prefix` (the LPM trie). */
  readonly map: 'exact' | 'prefix';
  /** In the order the kernel tries them: the first that matches decides (a pass skips the rest of its tier). */
  readonly ports: readonly LiveRange[];
}

export interface LiveRange {
  readonly protocol: number;
  readonly start: number;
  readonly end: number;
  readonly action: (typeof ACTION_NAMES)[number];
  readonly tier: Tier;
  readonly ruleId: number;
  readonly policy: string;
}

/** A pod's live rules of one direction, from both its maps: prefix, ports and the policy each came from. */
export function liveRules(pod: LabPodRecord, direction: 'ingress' | 'egress'): RuleEntry[] {
  const names = policyNames();
  return datapathOf(pod)
    .liveRules(direction)
    .map(({ map, block, ranges }) => {
      return {
        cidr: formatCidr(block),
        map,
        ports: ranges.map((range) => ({
          protocol: range.protocol,
          start: range.start,
          end: range.end,
          action: ACTION_NAMES[range.action],
          tier: TIERS[range.tier] ?? 'None',
          ruleId: range.ruleId,
          policy: names.get(range.ruleId) ?? `rule ${range.ruleId}`,
        })),
      };
    });
}

/** A pod's conntrack entries: the flows it let through, their direction and state (JSON-ready). */
export const liveFlows = (pod: LabPodRecord) =>
  datapathOf(pod)
    .flows()
    .map(({ lastSeenNs: _, ...flow }) => flow);

export const modeName = (mode: number) => MODE_NAMES[mode] ?? String(mode);
export const formatRange = (range: Pick<PortRange, 'protocol' | 'start' | 'end'>) =>
  `${protocolName(range.protocol)}:${range.start === 0 && range.end === 65535 ? 'any' : range.start === range.end ? range.start : `${range.start}-${range.end}`}`;
