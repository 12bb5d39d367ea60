import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { TCP_FLAGS, TCP_FRAME_SIZE, tcpFrames } from '../../bench/frames.ts';
import { addon, EGRESS_OBJECT, INGRESS_OBJECT } from './addon.ts';

/**
 * The addon's benchmark entry points on a pod's real programs, in a network namespace of its own
 * (not the lab's: no lab lock): rule maps sized at load, and BPF_PROG_TEST_RUN on Ethernet frames.
 */
const tag = `pltestrun${process.pid}`;
const PINS = `/sys/fs/bpf/${tag}`;
const POD = `${PINS}/pod`;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

before(() => {
  ip('netns', 'add', tag);
  ip('-n', tag, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
  ip('-n', tag, 'link', 'set', 'veth0', 'up');
  mkdirSync(PINS, { recursive: true });
  addon().attachPod({
    ingressObject: INGRESS_OBJECT,
    egressObject: EGRESS_OBJECT,
    podDir: POD,
    nodeDir: PINS,
    netns: `/run/netns/${tag}`,
    ifname: 'veth0',
    conntrackEntries: 1024,
    rulesMaxEntries: 70_000,
    ruleSetsMaxEntries: 300,
  });
});

after(() => {
  ip('netns', 'del', tag);
  rmSync(PINS, { recursive: true, force: true });
});

const maxEntries = (map: string) => {
  const fd = addon().openPinned(`${POD}/${map}`);
  try {
    return addon().mapInfo(fd).maxEntries;
  } finally {
    addon().closeFd(fd);
  }
};

test('rulesMaxEntries sizes every rule map of both programs, exact and prefix, ruleSetsMaxEntries every sets map, beside the conntrack size', () => {
  for (const direction of ['ingress', 'egress'])
    for (const slot of [0, 1]) {
      for (const kind of ['exact', 'rules']) assert.equal(maxEntries(`${direction}_${kind}_${slot}`), 70_000);
      assert.equal(maxEntries(`${direction}_sets_${slot}`), 300);
    }
  assert.equal(maxEntries('conntrack'), 1024);
});

test('progTestRun runs each frame through the pinned program and gives its time and verdict', () => {
  // pod_state starts zeroed: open both ways, so a SYN is a new flow the program lets through.
  const frames = tcpFrames(
    [1, 2, 3].map((i) => ({
      src: '10.76.0.2',
      dst: '10.76.0.1',
      sport: 40000 + i,
      dport: 80,
      flags: TCP_FLAGS.syn,
    })),
  );
  const cells = addon().progTestRun(`${POD}/prog_ingress`, frames, TCP_FRAME_SIZE, 1);
  assert.equal(cells.length, 3 * 8);
  for (let i = 0; i < 3; i++) {
    assert.ok(cells.readUInt32LE(8 * i) > 0, 'the kernel timed the run');
    assert.equal(cells.readUInt32LE(8 * i + 4), 0, 'TC_ACT_OK');
  }
  const repeated = addon().progTestRun(
    `${POD}/prog_ingress`,
    frames.subarray(0, TCP_FRAME_SIZE),
    TCP_FRAME_SIZE,
    1000,
  );
  assert.equal(repeated.length, 8);
  assert.equal(repeated.readUInt32LE(4), 0);
  const empty = addon().progTestRun('', frames, TCP_FRAME_SIZE, 1);
  assert.equal(empty.readUInt32LE(4), 0, 'the empty program passes the packet too');
});

test('progTestRun refuses bad arguments and names a missing program', () => {
  const frame = tcpFrames([{ src: '10.76.0.2', dst: '10.76.0.1', sport: 1, dport: 2, flags: TCP_FLAGS.syn }]);
  assert.throws(() => addon().progTestRun('', frame, 10, 1), TypeError);
  assert.throws(() => addon().progTestRun('', frame, TCP_FRAME_SIZE, 0), TypeError);
  assert.throws(
    () => addon().progTestRun('', Buffer.concat([frame, Buffer.alloc(3)]), TCP_FRAME_SIZE, 1),
    TypeError,
  );
  assert.throws(
    () => addon().progTestRun(`${POD}/no_such_program`, frame, TCP_FRAME_SIZE, 1),
    /no_such_program/,
  );
});
