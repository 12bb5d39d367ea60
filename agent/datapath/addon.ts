import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** What agent/native/palisade_addon.c exports. */
export interface PalisadeAddon {
  attachPod(options: {
    ingressObject: string;
    egressObject: string;
    podDir: string;
    nodeDir: string;
    netns: string;
    ifname: string;
    /** The conntrack map's size, set before loading (0 or absent: the object's default). */
    conntrackEntries?: number;
    /** Each rule map's size, set before loading (0 or absent: PALISADE_RULES_MAX_ENTRIES). */
    rulesMaxEntries?: number;
    /** Each map of distinct rule sets' size, set before loading (0 or absent: PALISADE_RULE_SETS_MAX_ENTRIES). */
    ruleSetsMaxEntries?: number;
  }): { adopted: boolean; ingressId: number; egressId: number };
  attachedPrograms(netns: string, ifname: string): { ingressId: number; egressId: number };
  detachPod(netns: string, ifname: string): void;
  openPinned(path: string): number;
  closeFd(fd: number): void;
  mapUpdate(fd: number, keys: Buffer, values: Buffer, count: number): void;
  mapLookup(fd: number, key: Buffer, valueSize: number): Buffer | null;
  mapDelete(fd: number, key: Buffer): boolean;
  mapKeys(fd: number, keySize: number): Buffer;
  mapCount(fd: number): number;
  /** `type` is the kernel's enum bpf_map_type. */
  mapInfo(fd: number): {
    name: string;
    id: number;
    type: number;
    keySize: number;
    valueSize: number;
    maxEntries: number;
  };
  /** Loads and attaches an iterator program of `objectPath` (map-counts.bpf.o); gives its link's fd. */
  mapCounter(objectPath: string): number;
  /** What one pass of an iterator link writes. */
  iteratorRead(linkFd: number): Buffer;
  possibleCpus(): number;
  ringOpen(path: string, onBatch: (events: Buffer) => void): object;
  ringClose(handle: object): void;
  layout(): Record<string, { size: number; offsets: Record<string, number> }> & {
    maxPortRanges: number;
    conntrackDefaultEntries: number;
    rulesMaxEntries: number;
    ruleSetsMaxEntries: number;
    /** The handle and priority of the TC filters that attachPod makes and detachPod removes. */
    tcHandle: number;
    tcPriority: number;
  };
  /**
   * Runs a pinned TC program (or, with `programPin` empty, one that only returns TC_ACT_OK) on each
   * `frameSize`-byte Ethernet frame of `frames` with BPF_PROG_TEST_RUN, `repeat` times each; returns
   * per frame two u32 (little-endian): the kernel's mean ns per run and the program's return code.
   */
  progTestRun(programPin: string, frames: Buffer, frameSize: number, repeat: number): Buffer;
}

export const BUILD_DIR = new URL('../build/', import.meta.url).pathname;
export const INGRESS_OBJECT = `${BUILD_DIR}ingress.bpf.o`;
export const EGRESS_OBJECT = `${BUILD_DIR}egress.bpf.o`;
export const MAP_COUNTS_OBJECT = `${BUILD_DIR}map-counts.bpf.o`;
/** The name of the thread that reads a ring buffer (ringOpen), as palisade_addon.c gives it. */
export const RING_THREAD_NAME = 'palisade-ring';

let loaded: PalisadeAddon | undefined;

/** The addon, built by `npm run setup` (make -C agent); a clear error when it is not there. */
export function addon(): PalisadeAddon {
  if (!loaded) {
    const path = `${BUILD_DIR}palisade.node`;
    if (!existsSync(path)) {
      throw new Error(
        `${path} is missing: run \`npm run setup\` (it needs clang, libbpf-dev and libelf-dev)`,
      );
    }
    loaded = createRequire(import.meta.url)(path) as PalisadeAddon;
  }
  return loaded;
}

/** Deletes every entry of the map open at `fd`, whose keys are `keySize` bytes. */
export function emptyMap(fd: number, keySize: number): void {
  const keys = addon().mapKeys(fd, keySize);
  for (let offset = 0; offset < keys.length; offset += keySize)
    addon().mapDelete(fd, keys.subarray(offset, offset + keySize));
}
