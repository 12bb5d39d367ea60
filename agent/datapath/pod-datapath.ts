import { mkdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cidr } from '../../server/net/ip.ts';
import { addon, EGRESS_OBJECT, emptyMap, INGRESS_OBJECT } from './addon.ts';
import { allows, type DirectionRules, type PodRules } from './compile.ts';
import {
  CONNTRACK_DEFAULT_ENTRIES,
  CUT_LINGER_NS,
  decodeConntrackKey,
  decodeExactKey,
  decodeFlowState,
  decodeLpmKey,
  decodePodState,
  decodeRuleValue,
  encodeExactKey,
  encodeLpmKey,
  encodePodState,
  encodeRuleValue,
  type FlowKey,
  type FlowState,
  flowStateAs,
  isFullLength,
  LAYOUT,
  MODE,
  type PodStateValue,
  type PortRange,
  RULE_SET_INDEX_SIZE,
} from './layout.ts';
import { nodeDir, podDir } from './pins.ts';

/** A pod's interface as the agent knows it. */
export interface PodInterface {
  /** The node (lab node or Kubernetes node) the pod runs on. */
  readonly node: string;
  /** The network namespace holding the host-side veth (empty: the agent's own). */
  readonly netns: string;
  /** The host-side veth. */
  readonly ifname: string;
  /** The id the kernel reports in this pod's events. */
  readonly podId: number;
  /** The pod's node's addresses (hostIPs): traffic with them always passes, as upstream documents for kubelet probes. */
  readonly nodeIPs: readonly string[];
}

/** How a pod's maps are made when its programs are loaded. */
export interface DatapathOptions {
  /** Strict mode (as VPC CNI's): the pod is closed from attachment until its rules are programmed. */
  readonly strict?: boolean;
  /** The conntrack map's size (default {@link CONNTRACK_DEFAULT_ENTRIES}); pinned maps keep theirs. */
  readonly conntrackEntries?: number;
  /** Each rule map's size (default PALISADE_RULES_MAX_ENTRIES; the per-packet benchmark's 1M entries need more). */
  readonly rulesMaxEntries?: number;
  /** Each map of distinct rule sets' size (default PALISADE_RULE_SETS_MAX_ENTRIES). */
  readonly ruleSetsMaxEntries?: number;
}

/** The programs on a pod's veth; `adopted` when they were found pinned and attached already. */
export interface AttachResult {
  readonly adopted: boolean;
  readonly ingressId: number;
  readonly egressId: number;
}

/** A rule entry as the kernel holds it, and which of the direction's two maps holds it. */
export interface LiveRule {
  /** `exact`: the hash map of whole addresses (`DIRECTION_exact_N`); `prefix`: the LPM trie (`DIRECTION_rules_N`). */
  readonly map: 'exact' | 'prefix';
  readonly block: Cidr;
  readonly ranges: readonly PortRange[];
}

/** The array of a direction's slot holding its distinct rule sets, which the entries of both maps index. */
const setsMap = (direction: string, slot: number) => `${direction}_sets_${slot}`;

/** An index into a sets map, as a key of the map or the value of an entry. */
const encodeSetIndex = (index: number) => {
  const buffer = Buffer.alloc(RULE_SET_INDEX_SIZE);
  buffer.writeUInt32LE(index);
  return buffer;
};

/** The two maps of a direction's slot and how each keys its entries. */
const RULE_MAPS = [
  {
    kind: 'exact',
    name: (direction: string, slot: number) => `${direction}_exact_${slot}`,
    keySize: LAYOUT.exact_key.size,
    encode: (block: Cidr) => encodeExactKey(block.family, block.network),
    decode: decodeExactKey,
  },
  {
    kind: 'prefix',
    name: (direction: string, slot: number) => `${direction}_rules_${slot}`,
    keySize: LAYOUT.lpm_key.size,
    encode: (block: Cidr) => encodeLpmKey(block.family, block.network, block.prefix),
    decode: decodeLpmKey,
  },
] as const;

/** Rule writes to one pod wait this long after its last flip, so no packet still reads the slot being rewritten. */
const FLIP_GRACE_MS = 5;

/**
 * One pod's programs and maps. Rules are written to the inactive slot of each direction and made
 * live by one write of pod_state, so a half-written rule set is never enforced; afterwards, live
 * flows the new rules no longer allow are cut, and cut ones they allow again go on.
 */
export class PodDatapath {
  readonly pod: PodInterface;
  readonly options: DatapathOptions;
  private lastFlip = 0;

  constructor(pod: PodInterface, options: DatapathOptions = {}) {
    this.pod = pod;
    this.options = options;
  }

  private get dir(): string {
    return podDir(this.pod.node, this.pod.ifname);
  }

  /** Loads and attaches the programs, or adopts the pinned ones after an agent restart. */
  attach(): AttachResult {
    mkdirSync(`${nodeDir(this.pod.node)}/pods`, { recursive: true });
    const result = addon().attachPod({
      ingressObject: INGRESS_OBJECT,
      egressObject: EGRESS_OBJECT,
      podDir: this.dir,
      nodeDir: nodeDir(this.pod.node),
      netns: this.pod.netns,
      ifname: this.pod.ifname,
      conntrackEntries: this.options.conntrackEntries ?? CONNTRACK_DEFAULT_ENTRIES,
      rulesMaxEntries: this.options.rulesMaxEntries ?? 0,
      ruleSetsMaxEntries: this.options.ruleSetsMaxEntries ?? 0,
    });
    if (!result.adopted) {
      const mode = this.options.strict ? MODE.denyAll : MODE.allowAll;
      this.writeState({
        ingressMode: mode,
        egressMode: mode,
        activeSlot: 0,
        podId: this.pod.podId,
        nodeIPs: this.pod.nodeIPs,
      });
    }
    return result;
  }

  /** Removes the programs from the veth and unpins the pod's maps. */
  detach(): void {
    addon().detachPod(this.pod.netns, this.pod.ifname);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** What pod_state holds now. */
  state(): PodStateValue {
    return this.withMap('pod_state', (fd) => {
      const value = addon().mapLookup(fd, Buffer.alloc(4), LAYOUT.pod_state.size);
      if (!value) throw new Error(`pod_state of ${this.pod.ifname} has no entry`);
      return decodePodState(value);
    });
  }

  /** Makes `rules` live for the pod, then judges its live flows again (see recheckFlows); returns how many were cut. */
  async program(rules: PodRules): Promise<number> {
    const wait = this.lastFlip + FLIP_GRACE_MS - Date.now();
    if (wait > 0) await sleep(wait);
    const current = this.state();
    const next = current.activeSlot === 0 ? 1 : 0;
    this.fill('ingress', next, rules.ingress);
    this.fill('egress', next, rules.egress);
    this.writeState({
      ingressMode: rules.ingress.mode,
      egressMode: rules.egress.mode,
      activeSlot: next,
      podId: this.pod.podId,
      nodeIPs: this.pod.nodeIPs,
    });
    this.lastFlip = Date.now();
    return this.recheckFlows(rules);
  }

  /**
   * Closes both directions (deny-all) and cuts every flow: for a pod whose rules could not be
   * written, so that it fails closed rather than open.
   */
  close(): void {
    const closed = { mode: MODE.denyAll, prefixes: new Map() } as const;
    this.writeState({
      ...this.state(),
      ingressMode: MODE.denyAll,
      egressMode: MODE.denyAll,
      nodeIPs: this.pod.nodeIPs,
    });
    this.recheckFlows({ ingress: closed, egress: closed });
  }

  /** The pod's conntrack entries: each flow it let through, its direction and state. */
  flows(): (FlowKey & FlowState)[] {
    return this.conntrack().map(({ flow, state }) => ({ ...flow, ...state }));
  }

  /** The live slot's rules of a direction, from both its maps, each entry with the rule set it indexes (for `palisade ebpf dump`). */
  liveRules(direction: 'ingress' | 'egress'): LiveRule[] {
    const slot = this.state().activeSlot;
    const sets = new Map<number, PortRange[]>();
    const setOf = (index: number) => {
      let ranges = sets.get(index);
      if (!ranges) {
        const value = this.withMap(setsMap(direction, slot), (fd) =>
          addon().mapLookup(fd, encodeSetIndex(index), LAYOUT.rule_value.size),
        );
        ranges = value ? decodeRuleValue(value) : [];
        sets.set(index, ranges);
      }
      return ranges;
    };
    return RULE_MAPS.flatMap((map) =>
      this.withMap(map.name(direction, slot), (fd) => {
        const keys = addon().mapKeys(fd, map.keySize);
        const entries: LiveRule[] = [];
        for (let offset = 0; offset < keys.length; offset += map.keySize) {
          const key = keys.subarray(offset, offset + map.keySize);
          const value = addon().mapLookup(fd, key, RULE_SET_INDEX_SIZE);
          if (value)
            entries.push({ map: map.kind, block: map.decode(key), ranges: setOf(value.readUInt32LE()) });
        }
        return entries;
      }),
    );
  }

  /**
   * Writes a direction's slot: its distinct rule sets once each to the slot's sets map, then
   * empties both maps and writes each entry, to the map for its length, as the index of its set.
   */
  private fill(direction: 'ingress' | 'egress', slot: number, rules: DirectionRules): void {
    const entries = [...rules.prefixes.values()];
    const setValues: Buffer[] = [];
    const indexOf = new Map<string, number>();
    const entryIndex = entries.map(({ ranges }) => {
      const value = encodeRuleValue(ranges);
      const text = value.toString('latin1');
      let index = indexOf.get(text);
      if (index === undefined) {
        index = setValues.length;
        indexOf.set(text, index);
        setValues.push(value);
      }
      return index;
    });
    this.withMap(setsMap(direction, slot), (fd) => {
      const capacity = addon().mapInfo(fd).maxEntries;
      if (setValues.length > capacity) {
        throw new Error(
          `${direction} rules of pod ${this.pod.ifname} need ${setValues.length} distinct rule sets; ${setsMap(direction, slot)} holds ${capacity} (ruleSetsMaxEntries)`,
        );
      }
      // Sets the slot held before go (its entries are rewritten below): memory follows what is in use.
      emptyMap(fd, RULE_SET_INDEX_SIZE);
      if (setValues.length === 0) return;
      const keyBuffer = Buffer.concat(setValues.map((_, index) => encodeSetIndex(index)));
      addon().mapUpdate(fd, keyBuffer, Buffer.concat(setValues), setValues.length);
    });
    for (const map of RULE_MAPS) {
      this.withMap(map.name(direction, slot), (fd) => {
        emptyMap(fd, map.keySize);
        const mine = entries.flatMap(({ block }, i) =>
          isFullLength(block) === (map.kind === 'exact') ? [{ block, index: entryIndex[i] ?? 0 }] : [],
        );
        if (mine.length === 0) return;
        const keyBuffer = Buffer.concat(mine.map(({ block }) => map.encode(block)));
        const valueBuffer = Buffer.concat(mine.map(({ index }) => encodeSetIndex(index)));
        addon().mapUpdate(fd, keyBuffer, valueBuffer, mine.length);
      });
    }
  }

  /** The conntrack map's entries: each key, its flow (forward tuple) and its state. */
  private conntrack(): { key: Buffer; value: Buffer; flow: FlowKey; state: FlowState }[] {
    return this.withMap('conntrack', (fd) => {
      const { size } = LAYOUT.conntrack_key;
      const keys = addon().mapKeys(fd, size);
      const entries: { key: Buffer; value: Buffer; flow: FlowKey; state: FlowState }[] = [];
      for (let offset = 0; offset < keys.length; offset += size) {
        const key = Buffer.from(keys.subarray(offset, offset + size));
        const value = addon().mapLookup(fd, key, LAYOUT.flow_state.size);
        if (!value) continue;
        const state = decodeFlowState(value);
        entries.push({ key, value, flow: decodeConntrackKey(key, state.direction), state });
      }
      return entries;
    });
  }

  private writeState(state: PodStateValue): void {
    this.withMap('pod_state', (fd) => addon().mapUpdate(fd, Buffer.alloc(4), encodePodState(state), 1));
  }

  /**
   * Judges the pod's live flows again by the rules now in force: an entry of a flow they would not
   * let start is marked cut, and one cut before that they allow again, still in use, is open again
   * (the connection goes on where it stopped: TCP's retransmissions keep a cut entry alive, so it
   * would not lapse by itself). A cut entry is kept (not deleted) so that neither side's later packets
   * pass, not even a reply arriving where the pod's policy is open; a new SYN is judged again.
   * Returns how many were cut.
   */
  private recheckFlows(rules: PodRules): number {
    const entries = this.conntrack();
    return this.withMap('conntrack', (fd) => {
      const now = process.hrtime.bigint(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns()
      let cut = 0;
      for (const { key, value, flow, state } of entries) {
        const peer = state.direction === 'egress' ? flow.dst : flow.src;
        const stillAllowed =
          this.pod.nodeIPs.includes(peer) ||
          allows(
            state.direction === 'egress' ? rules.egress : rules.ingress,
            peer,
            flow.dport,
            flow.protocol,
          );
        if (stillAllowed === (state.state !== 'cut')) continue;
        if (stillAllowed) {
          // A cut entry the kernel has let lapse (no packet for its linger) is a connection both
          // sides gave up: it is not brought back. One still in use goes on from its last packet.
          if (now - state.lastSeenNs > CUT_LINGER_NS) continue;
          addon().mapUpdate(fd, key, flowStateAs(value, 'open'), 1);
          continue;
        }
        addon().mapUpdate(fd, key, flowStateAs(value, 'cut', now), 1);
        cut++;
      }
      return cut;
    });
  }

  private withMap<T>(name: string, use: (fd: number) => T): T {
    const fd = addon().openPinned(`${this.dir}/${name}`);
    try {
      return use(fd);
    } finally {
      addon().closeFd(fd);
    }
  }
}
