import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProgramStats } from './program-stats.ts';

test('bpftool’s JSON: instructions from translated bytes, run time and count when stats are on', () => {
  assert.deepEqual(
    parseProgramStats(
      '{"id":103,"type":"sched_cls","bytes_xlated":4272,"bytes_jited":2392,"run_time_ns":90210,"run_cnt":700}',
    ),
    { instructions: 534, bytesJited: 2392, runTimeNs: 90210, runCount: 700 },
  );
  assert.deepEqual(parseProgramStats('{"id":1,"bytes_xlated":16}'), {
    instructions: 2,
    bytesJited: 0,
    runTimeNs: 0,
    runCount: 0,
  });
  assert.throws(() => parseProgramStats('{}'), /no program/);
});
