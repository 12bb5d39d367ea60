import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readlinkSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { addon, EGRESS_OBJECT, INGRESS_OBJECT } from './addon.ts';
import { LAYOUT } from './layout.ts';
import { entriesOf, kernelCounts } from './map-counts.ts';

/**
 * The addon on its own, in two network namespaces of its own (not the lab's: it needs no lab
 * lock): a pod's programs on one end of a veth pair, real traffic from the other end making a
 * flow event per datagram, and every failure path a caller can reach.
 */
const tag = `pladdon${process.pid}`;
const [POD_NS, PEER_NS] = [`${tag}a`, `${tag}b`];
const PINS = `/sys/fs/bpf/${tag}`;
const [POD_IP, PEER_IP] = ['10.76.0.1', '10.76.0.2'];
let sender: ChildProcess | undefined;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

before(() => {
  ip('netns', 'add', POD_NS);
  ip('netns', 'add', PEER_NS);
  ip('-n', POD_NS, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', PEER_NS);
  ip('-n', POD_NS, 'addr', 'add', `${POD_IP}/30`, 'dev', 'veth0');
  ip('-n', PEER_NS, 'addr', 'add', `${PEER_IP}/30`, 'dev', 'veth1');
  ip('-n', POD_NS, 'link', 'set', 'veth0', 'up');
  ip('-n', PEER_NS, 'link', 'set', 'veth1', 'up');
  mkdirSync(PINS, { recursive: true });
  addon().attachPod({
    ingressObject: INGRESS_OBJECT,
    egressObject: EGRESS_OBJECT,
    podDir: `${PINS}/pod`,
    nodeDir: `${PINS}`,
    netns: `/run/netns/${POD_NS}`,
    ifname: 'veth0',
    conntrackEntries: 1024,
  });
  // pod_state starts zeroed: open both ways, so every new flow is allowed and reported.
  // A bounded sender: a datagram to a new port each time (a new flow, one event each), for 30 s at most.
  const script = `const s=require('dgram').createSocket('udp4');const b=Buffer.alloc(8);let p=1;const end=Date.now()+30000;
(function go(){for(let i=0;i<200;i++)s.send(b,1+(p++%60000),'${POD_IP}');if(Date.now()<end)setTimeout(go,1);else s.close()})()`;
  sender = spawn('nsenter', [`--net=/run/netns/${PEER_NS}`, process.execPath, '-e', script], {
    stdio: 'ignore',
  });
});

after(() => {
  sender?.kill('SIGKILL');
  for (const netns of [POD_NS, PEER_NS]) ip('netns', 'del', netns);
  rmSync(PINS, { recursive: true, force: true });
});

/** Busy for `ms`: a JavaScript consumer slower than the events, so the addon's queue fills. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

test('closing the ring buffer under load never deadlocks, even with the queue to JavaScript full, and nothing arrives after', async () => {
  for (let round = 0; round < 6; round++) {
    let batches = 0;
    let events = 0;
    // Odd rounds: a consumer slower than the events, held up by the first batch for longer than
    // the reader thread takes to fill the queue (16 batches, one a read, a read every 100 ms at
    // most), so that thread waits on the full queue; the next delivery closes. Even rounds: closed
    // from a timer.
    const slow = round % 2 === 1;
    let handle: object | undefined;
    handle = addon().ringOpen(`${PINS}/events`, (batch) => {
      batches++;
      events += batch.length / LAYOUT.flow_event.size;
      if (!slow) return;
      if (batches === 1) busy(2500);
      else if (batches === 2 && handle) addon().ringClose(handle);
    });
    await sleep(300);
    addon().ringClose(handle);
    addon().ringClose(handle); // again: nothing happens
    const batchesAtClose = batches;
    assert.ok(events > 0, `round ${round}: events arrived before the close`);
    if (slow)
      assert.equal(batchesAtClose, 2, `round ${round}: nothing was handed over after the close inside`);
    await sleep(100);
    assert.equal(batches, batchesAtClose, `round ${round}: no batch after the close`);
    handle = undefined;
  }
});

/** `use` with the fd of the pod's pinned map `name`, closed after. */
function withMap<T>(name: string, use: (fd: number) => T): T {
  const fd = addon().openPinned(`${PINS}/pod/${name}`);
  try {
    return use(fd);
  } finally {
    addon().closeFd(fd);
  }
}

test('mapCount counts what a map holds by reading it: a hash map in batches, an LPM trie key by key, a conntrack in churn', () => {
  // 5,000 addresses in the exact map (more than one batch of 4,096), 300 prefixes in the trie.
  const exact = Buffer.alloc(5000 * 20);
  for (let i = 0; i < 5000; i++) {
    exact.writeUInt32BE(0x0a400000 + i, i * 20 + 12);
    exact[i * 20 + 16] = 4;
  }
  const prefixes = Buffer.alloc(300 * 24);
  for (let i = 0; i < 300; i++) {
    prefixes.writeUInt32LE(8 + 24, i * 24);
    prefixes[i * 24 + 4] = 4;
    prefixes.writeUInt32BE(0x0b000000 + (i << 8), i * 24 + 5);
  }
  withMap('ingress_exact_1', (fd) => {
    assert.equal(addon().mapCount(fd), 0);
    addon().mapUpdate(fd, exact, Buffer.alloc(5000 * 4), 5000);
    assert.equal(addon().mapCount(fd), 5000);
    assert.equal(addon().mapCount(fd), addon().mapKeys(fd, 20).length / 20, 'as many as its keys');
  });
  withMap('ingress_rules_1', (fd) => {
    addon().mapUpdate(fd, prefixes, Buffer.alloc(300 * 4), 300);
    assert.equal(addon().mapCount(fd), 300);
  });
  // The sender's datagrams fill the 1,024 entries of the conntrack, the oldest going as new ones come.
  const conntrack = withMap('conntrack', (fd) => addon().mapCount(fd));
  assert.ok(conntrack > 0 && conntrack <= 1024, `${conntrack} flows in a conntrack of 1,024`);
  assert.throws(() => addon().mapCount(1_000_000), /mapCount: fd 1000000 is not a map/);
});

test("the kernel's own counts (map-counts.bpf.c) agree with reading the maps, and leave LPM tries to the walk", () => {
  const counts = kernelCounts();
  assert.ok(counts, 'the counting iterator loads (it needs Linux 6.6 or later: bpf_map_sum_elem_count)');
  const fill = (name: string, keys: Buffer, keySize: number) =>
    withMap(name, (fd) => {
      const count = keys.length / keySize;
      addon().mapUpdate(fd, keys, Buffer.alloc(count * 4), count);
      const info = addon().mapInfo(fd);
      return {
        kernel: kernelCounts()?.get(info.id),
        read: addon().mapCount(fd),
        entries: entriesOf(fd, info),
      };
    });
  // 700 addresses the previous test did not write, into the exact map (a hash map: the kernel counts).
  const exact = Buffer.alloc(700 * 20);
  for (let i = 0; i < 700; i++) {
    exact.writeUInt32BE(0x0a500000 + i, i * 20 + 12);
    exact[i * 20 + 16] = 4;
  }
  const hash = fill('ingress_exact_1', exact, 20);
  assert.equal(hash.read, 5700);
  assert.equal(hash.kernel, 5700, "the kernel's count");
  assert.equal(hash.entries, 5700);
  // One more prefix in the trie, which the kernel does not count (0): entriesOf walks it.
  const prefix = Buffer.alloc(24);
  prefix.writeUInt32LE(8 + 16, 0);
  prefix[4] = 4;
  prefix.writeUInt32BE(0x0c000000, 5);
  const trie = fill('ingress_rules_1', prefix, 24);
  assert.deepEqual([trie.kernel, trie.read, trie.entries], [0, 301, 301]);
  // The conntrack: the kernel's count stays within its 1,024 entries as flows come and go.
  const conntrack = withMap('conntrack', (fd) => entriesOf(fd, addon().mapInfo(fd)));
  assert.ok(conntrack > 0 && conntrack <= 1024, `${conntrack} flows in a conntrack of 1,024`);
});

test('every failure is a JavaScript error naming the map, the object or the interface', () => {
  const home = readlinkSync('/proc/thread-self/ns/net');
  const fd = addon().openPinned(`${PINS}/pod/conntrack`);
  try {
    assert.throws(
      () => addon().mapLookup(fd, Buffer.alloc(3), LAYOUT.flow_state.size),
      /^TypeError: mapLookup\(conntrack\): the key is 3 bytes, the map's are 40$/,
    );
    assert.throws(
      () => addon().mapLookup(fd, Buffer.alloc(40), 8),
      /mapLookup\(conntrack\): valueSize must be 16/,
    );
    assert.throws(
      () => addon().mapUpdate(fd, Buffer.alloc(80), Buffer.alloc(16), 2),
      /mapUpdate\(conntrack\): values is 16 bytes, the map's are 32/,
    );
    assert.throws(
      () => addon().mapUpdate(fd, Buffer.alloc(40), Buffer.alloc(16), 0),
      /count must be a whole number above 0/,
    );
    assert.throws(
      () => addon().mapDelete(fd, Buffer.alloc(41)),
      /mapDelete\(conntrack\): the key is 41 bytes/,
    );
    assert.throws(() => addon().mapKeys(fd, 20), /mapKeys\(conntrack\): keySize must be 40/);
    assert.equal(addon().mapInfo(fd).maxEntries, 1024, 'the size asked for at load');
    assert.equal(addon().mapInfo(fd).name, 'conntrack');
  } finally {
    addon().closeFd(fd);
  }
  assert.throws(() => addon().mapKeys(1_000_000, 40), /mapKeys: fd 1000000 is not a map/);
  assert.throws(
    () => addon().openPinned(`${PINS}/nothing`),
    /open \/sys\/fs\/bpf\/.*\/nothing: No such file/,
  );
  assert.throws(() => addon().ringOpen(`${PINS}/pod/conntrack`, () => {}), /ring buffer .*conntrack/);
  assert.throws(() => addon().ringOpen(`${PINS}/events`, 'not a function' as never), /a path and a function/);
  assert.throws(
    () => addon().mapCounter('/nonexistent/map-counts.bpf.o'),
    /open \/nonexistent\/map-counts.bpf.o: /,
  );
  assert.throws(() => addon().mapCounter(EGRESS_OBJECT), /load and attach .*egress.bpf.o: /);
  assert.throws(() => addon().iteratorRead(0), /iteratorRead: create the iterator: /);
  assert.throws(
    () =>
      addon().attachPod({
        ingressObject: INGRESS_OBJECT,
        egressObject: EGRESS_OBJECT,
        podDir: `${PINS}/other`,
        nodeDir: PINS,
        netns: `/run/netns/${POD_NS}`,
        ifname: 'nothing0',
      }),
    /find interface nothing0 in \/run\/netns\//,
  );
  assert.throws(
    () => addon().attachedPrograms('/run/netns/no-such-namespace', 'veth0'),
    /enter network namespace \/run\/netns\/no-such-namespace: No such file/,
  );
  assert.throws(
    () => addon().attachedPrograms('/run/netns/x', 'an-interface-name-too-long'),
    /attachedPrograms\(netns, ifname\)/,
  );
  const attached = addon().attachedPrograms(`/run/netns/${POD_NS}`, 'veth0');
  assert.ok(attached.ingressId > 0 && attached.egressId > 0);
  assert.equal(
    readlinkSync('/proc/thread-self/ns/net'),
    home,
    'after every failure the thread is back in its own namespace',
  );
});
