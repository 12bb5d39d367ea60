import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  busySeconds,
  parseParentPid,
  parsePeakMemoryMb,
  parseProcessCpu,
  parseProcStat,
  parseWrittenBytes,
  threadCpuSeconds,
} from './cpu.ts';

test('/proc/stat: the aggregate line in seconds; busy leaves out idle, iowait and steal', () => {
  const text = `cpu  51520 7 21391 18216 5846 3 441 4155 0 0
cpu0 25000 0 10000 9000 2000 0 200 2000 0 0
intr 123`;
  const cpu = parseProcStat(text);
  assert.deepEqual(cpu, {
    user: 515.2,
    nice: 0.07,
    system: 213.91,
    idle: 182.16,
    iowait: 58.46,
    irq: 0.03,
    softirq: 4.41,
    steal: 41.55,
  });
  assert.ok(Math.abs(busySeconds(cpu) - (515.2 + 0.07 + 213.91 + 0.03 + 4.41)) < 1e-9);
});

test('/proc/stat without a cpu line is an error, not zero', () => {
  assert.throws(() => parseProcStat('intr 1\n'), /no aggregate cpu line/);
  assert.throws(() => parseProcStat('cpu 1 2 3\n'), /too few numbers/);
});

test('/proc/PID/stat: user + system time, even when the command name holds spaces and parentheses', () => {
  const fields = ['S', ...Array.from({ length: 10 }, (_, i) => String(i)), '250', '130', '0', '0'];
  assert.equal(parseProcessCpu(`1234 (node (bench) x) ${fields.join(' ')}`), 3.8);
  assert.equal(parseParentPid(`1234 (node (bench) x) ${fields.join(' ')}`), 0);
  assert.equal(parseParentPid('77 (next-server (v16)) S 42 77 77 0'), 42);
  assert.throws(() => parseProcessCpu('garbage'), /not a \/proc\/PID\/stat line/);
});

test('/proc/PID/io and /proc/PID/status', () => {
  assert.equal(parseWrittenBytes('rchar: 10\nwchar: 123456\nsyscr: 1\n'), 123456);
  assert.throws(() => parseWrittenBytes('rchar: 10\n'), /wchar/);
  assert.equal(parsePeakMemoryMb('Name:\tnode\nVmHWM:\t  2097152 kB\nVmRSS:\t1 kB\n'), 2048);
  assert.throws(() => parsePeakMemoryMb('Name:\tnode\n'), /VmHWM/);
});

test('a process’s threads by name: their CPU summed, none for a name no thread has', () => {
  // This process's main thread is named after its binary; burn a little CPU on it first.
  const name = readFileSync(`/proc/${process.pid}/task/${process.pid}/comm`, 'utf8').trim();
  const until = performance.now() + 50;
  while (performance.now() < until);
  assert.ok(threadCpuSeconds(process.pid, name) > 0);
  assert.equal(threadCpuSeconds(process.pid, 'no such thread'), 0);
});
