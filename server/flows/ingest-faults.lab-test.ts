import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowShipper } from '../../agent/flow-shipper.ts';
import { recordsOf, TEST_TIME, testEvent } from '../../agent/testing-records.ts';
import { startDashboard } from '../../e2e/dashboard.ts';
import { FlowRecords } from './flow-records.ts';

/**
 * Flows from a real agent's shipper into a real `next start` while the server is killed and
 * restarted, while another connection holds SQLite's write lock, and while the disk under
 * PALISADE_DATA_DIR (a 64 MB tmpfs, mounted here: needs root) is full. The agent's bounded buffer
 * says exactly how many flows it dropped; the server answers 503 with JSON (never 500) while it
 * cannot store and takes flows again by itself once it can; and what is stored is intact: SQLite's
 * integrity check passes, every row is a flow that was sent, none is stored twice, and the rows
 * are exactly the flows sent less those dropped.
 */

const PORT = 3941;
const NODE = 'fault-node';
const TOKEN = 'fault-node-agent-token';
const data = mkdtempSync(join(tmpdir(), 'palisade-faults-data-'));
const lab = mkdtempSync(join(tmpdir(), 'palisade-faults-lab-'));
const env = { PALISADE_DATA_DIR: data, PALISADE_LAB_DIR: lab };
const base = `http://127.0.0.1:${PORT}`;
let server: ChildProcess;

before(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs: run it as root');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0700', 'palisade-faults', data]);
  writeFileSync(join(lab, 'tokens.json'), JSON.stringify({ [NODE]: TOKEN }), { mode: 0o600 });
  server = await startDashboard(PORT, env);
});

after(async () => {
  server?.kill('SIGKILL');
  await sleep(200);
  // Lazily if something still holds a file there: the mount goes as soon as it is let go.
  execFileSync('umount', ['--lazy', data]);
});

/** Flow `i` as the shipper sends it (ring buffer records): its source address says which it is. */
const flowNumber = (i: number) =>
  testEvent(i, {
    src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    dst: '10.77.1.10',
    sport: 1024 + (i % 60000),
    verdict: i % 2 ? 'allow' : 'deny',
    kind: i % 2 ? 'new-flow' : 'denied',
  });
/** Which flow a stored source address is. */
const numberOf = (src: string) => {
  const [, a = 0, b = 0, c = 0] = src.split('.').map(Number);
  return (a << 16) | (b << 8) | c;
};

/** Flows sent by the probes below (answered directly), by number from 0: known apart from the shipper's by their source and time. */
let probeNext = 0;
/** The probes' flows are stamped from here on, a millisecond each: before the shipper's, and not ahead of the server's clock. */
const PROBE_TIME = TEST_TIME - 3_000_000;
const probeStored = new Set<number>();

/** One batch sent straight to the ingest as JSON (its time says which flow it is): its status and JSON answer. */
async function probe(size: number): Promise<{ status: number; body: { error?: string } }> {
  const numbers = Array.from({ length: size }, () => probeNext++);
  const flows = numbers.map((i) => {
    const { ruleId: _rule, podId: _pod, ...flow } = flowNumber(i);
    return { ...flow, src: '10.77.1.11', time: PROBE_TIME + i };
  });
  const response = await fetch(`${base}/api/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ node: NODE, flows }),
  });
  const body = (await response.json()) as { error?: string };
  if (response.ok) for (const i of numbers) probeStored.add(i);
  return { status: response.status, body };
}

/** The refusals the server counted since it started, by status. */
async function refusedByStatus(): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Object.fromEntries(
    [...text.matchAll(/^palisade_ingest_refused_total\{status="(\d+)"\} (\d+)$/gm)].map(([, status, n]) => [
      status,
      Number(n),
    ]),
  );
}

test('flows through a restart, a locked store and a full disk: drops counted exactly, nothing stored twice or broken, 503 while it cannot store', async (t) => {
  const shipper = new FlowShipper({
    url: `${base}/api/ingest`,
    token: () => TOKEN,
    node: NODE,
    maxBuffered: 3000,
    batchSize: 500,
    retryMs: 100,
  });
  let pushed = 0;
  let producing = true;
  // Also when an assertion fails midway: a producer or shipper left running keeps the test alive.
  t.after(() => {
    producing = false;
    shipper.close();
  });
  // 2,500 flows a second, as a busy node would send, until the faults are over.
  const producer = (async () => {
    while (producing) {
      shipper.push([recordsOf(Array.from({ length: 50 }, () => flowNumber(pushed++)))]);
      await sleep(20);
    }
  })();
  await sleep(1000);

  // 1. The server is killed in the middle of whatever it was doing, and started again.
  server.kill('SIGKILL');
  await sleep(500);
  server = await startDashboard(PORT, env);
  await sleep(1000);
  assert.deepEqual(
    Object.keys(await refusedByStatus()).filter((status) => status >= '500'),
    [],
  );

  // 2. Another connection holds SQLite's write lock: the server answers 503, then takes flows again.
  // It waits its turn for the lock, as the server may be writing a batch right then.
  const locker = new DatabaseSync(join(data, 'flows.sqlite'), { timeout: 5000 });
  locker.exec('BEGIN IMMEDIATE');
  const locked = await probe(10);
  assert.equal(locked.status, 503);
  assert.match(locked.body.error ?? '', /locked by another connection; try again/);
  await sleep(1500);
  locker.exec('ROLLBACK');
  locker.close();
  assert.equal((await probe(10)).status, 200, 'back by itself once the lock is gone');

  // 3. The disk fills up: once SQLite has used the room it had, 503 again, and back once room is made.
  const filler = join(data, 'filler');
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(1 << 20);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  for (let size = 1 << 19; size >= 1; size >>= 1) {
    try {
      for (;;) writeSync(fd, block, 0, size);
    } catch {
      // Full at this size: try smaller.
    }
  }
  closeSync(fd);
  let full: Awaited<ReturnType<typeof probe>> | undefined;
  for (let i = 0; i < 200 && full?.status !== 503; i++) {
    full = await probe(2000);
    assert.ok(full.status === 200 || full.status === 503, `answered ${full.status}: ${full.body.error}`);
  }
  assert.equal(full?.status, 503, 'the full disk was felt');
  assert.match(full?.body.error ?? '', /the disk is full; try again/);
  await sleep(1000);
  rmSync(filler);
  assert.equal((await probe(10)).status, 200, 'back by itself once there is room');

  producing = false;
  await producer;
  for (let i = 0; i < 300 && shipper.buffered > 0; i++) await sleep(100);
  shipper.close();
  assert.equal(shipper.buffered, 0, `the shipper delivered what it kept (${shipper.lastError})`);
  assert.ok(shipper.dropped > 0, 'the faults made the bounded buffer drop flows');
  assert.equal(shipper.delivered + shipper.dropped, pushed, 'every flow delivered or counted as dropped');
  const refused = await refusedByStatus();
  assert.ok((refused['503'] ?? 0) > 0);
  assert.deepEqual(
    Object.keys(refused).filter((status) => status >= '500' && status !== '503'),
    [],
  );
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(`^palisade_agent_dropped_flows\\{node="${NODE}"\\} ${shipper.dropped}$`, 'm'),
  );

  server.kill('SIGTERM');
  await sleep(500);
  const db = new DatabaseSync(join(data, 'flows.sqlite'), { readOnly: true });
  let integrity: unknown;
  let rows: { time: number; src: string }[];
  try {
    integrity = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
    // Every flow of every block, read in place (the server is stopped).
    rows = db
      .prepare('SELECT records FROM blocks')
      .all()
      .flatMap((block) => {
        const records = new FlowRecords(Buffer.from(block.records as Uint8Array));
        return Array.from({ length: records.count }, (_, i) => ({
          time: records.time(i),
          src: records.src(i),
        }));
      });
  } finally {
    db.close();
  }
  assert.equal(integrity, 'ok');
  // The probes' flows are known by their time (JSON keeps it exact), the shipper's by their source.
  const probed = rows.filter((row) => row.src === '10.77.1.11').map((row) => row.time - PROBE_TIME);
  const fromShipper = rows.filter((row) => row.src !== '10.77.1.11').map((row) => numberOf(row.src));
  assert.equal(new Set(probed).size, probed.length, 'no probe stored twice');
  assert.equal(new Set(fromShipper).size, fromShipper.length, 'no flow of the shipper stored twice');
  assert.ok(
    fromShipper.every((i) => Number.isInteger(i) && i >= 0 && i < pushed),
    'every stored flow is one that was sent',
  );
  assert.equal(
    fromShipper.length,
    pushed - shipper.dropped,
    'the stored flows are those sent less those dropped',
  );
  assert.deepEqual(
    probed.sort((a, b) => a - b),
    [...probeStored].sort((a, b) => a - b),
    'a batch answered 503 stored nothing, one answered 200 all',
  );
});
