import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { addon } from '../agent/datapath/addon.ts';
import { TCP_FRAME_SIZE, type TcpSegment, tcpFrames } from './frames.ts';

const STREAM_OBJECT = new URL('load/flow-stream.bpf.o', import.meta.url).pathname;
const STREAM_PINS = '/sys/fs/bpf/palisade-bench-stream';
/** Where a frame's addresses and ports start (its IPv4 source address) and how many bytes they take. */
const FLOW_BYTES = { offset: 14 + 12, length: 12 };
/** TC_ACT_OK. */
const PASS = 0;

/**
 * Streams of packets (bench/load/flow-stream.bpf.c): one BPF_PROG_TEST_RUN call runs a program on
 * as many different flows as it repeats, back to back, as a busy pod's packets come, and the
 * kernel gives the mean time of a run.
 */
export interface PacketStream {
  /**
   * Runs `segments` in turn, one a run, through the pinned program `programPin` (or, with no pin,
   * a program that only lets them through: the stream's own part); every packet must pass.
   * Gives the kernel's mean ns per packet, the stream's own part included.
   */
  run(segments: readonly TcpSegment[], programPin?: string): number;
  unload(): void;
}

/** Loads the stream program (pinned under STREAM_PINS until unload). */
export function loadPacketStream(): PacketStream {
  rmSync(STREAM_PINS, { recursive: true, force: true });
  execFileSync(
    'bpftool',
    ['prog', 'loadall', STREAM_OBJECT, STREAM_PINS, 'type', 'classifier', 'pinmaps', STREAM_PINS],
    { stdio: 'pipe' },
  );
  const maps = Object.fromEntries(
    ['stream_flows', 'stream_next', 'stream_target'].map((name) => [
      name,
      addon().openPinned(`${STREAM_PINS}/${name}`),
    ]),
  ) as Record<'stream_flows' | 'stream_next' | 'stream_target', number>;
  const zero = Buffer.alloc(4);
  return {
    run(segments, programPin = `${STREAM_PINS}/stream_pass`) {
      const frames = tcpFrames(segments);
      const keys = Buffer.alloc(4 * segments.length);
      const flows = Buffer.alloc(FLOW_BYTES.length * segments.length);
      for (let i = 0; i < segments.length; i++) {
        keys.writeUInt32LE(i, 4 * i);
        const start = TCP_FRAME_SIZE * i + FLOW_BYTES.offset;
        frames.copy(flows, FLOW_BYTES.length * i, start, start + FLOW_BYTES.length);
      }
      addon().mapUpdate(maps.stream_flows, keys, flows, segments.length);
      addon().mapUpdate(maps.stream_next, zero, Buffer.alloc(4), 1);
      const program = addon().openPinned(programPin);
      try {
        const target = Buffer.alloc(4);
        target.writeUInt32LE(program);
        addon().mapUpdate(maps.stream_target, zero, target, 1);
      } finally {
        addon().closeFd(program);
      }
      const cell = addon().progTestRun(
        `${STREAM_PINS}/stream`,
        frames.subarray(0, TCP_FRAME_SIZE),
        TCP_FRAME_SIZE,
        segments.length,
      );
      const verdict = cell.readUInt32LE(4);
      if (verdict !== PASS)
        throw new Error(
          `a stream of ${segments.length} packets through ${programPin} ended with verdict ${verdict}`,
        );
      return cell.readUInt32LE(0);
    },
    unload() {
      for (const fd of Object.values(maps)) addon().closeFd(fd);
      rmSync(STREAM_PINS, { recursive: true, force: true });
    },
  };
}
