import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addedPerConnection, iptablesRules, perConnection } from './connection-cost.ts';

const sample = (connections: number, busyCpuSeconds: number, seconds = 1) => ({
  connections,
  seconds,
  threads: 2,
  busyCpuSeconds,
  p50Us: 0,
  p99Us: 0,
  errors: 0,
});

test('per connection: machine CPU-µs and the wall time each thread spent on one', () => {
  assert.deepEqual(perConnection(sample(10_000, 1.8)), { cpuUs: 180, wallUs: 200 });
});

test('added per connection is the median of each round’s difference to no program, with its interval', () => {
  const rounds = [
    { none: sample(10_000, 1.8), path: sample(8_000, 1.84) }, // +50 CPU-µs, +50 wall µs
    { none: sample(10_000, 1.0), path: sample(10_000, 1.1) }, // +10, 0
    { none: sample(5_000, 1.8), path: sample(4_000, 1.8) }, // +90, +100
  ];
  assert.deepEqual(addedPerConnection(rounds), {
    cpuUs: 50,
    wallUs: 50,
    cpuUsInterval: { low: 10, high: 90, confidence: 0.75 },
  });
});

test('the iptables chain has one rule per entry, the client’s last, between the established rule and the drop', () => {
  const rules = iptablesRules(4, 'plabc', '10.77.2.100', 8080).split('\n');
  const chain = rules.filter((line) => line.startsWith('-A PAL-BENCH-SERVER'));
  assert.equal(chain.length, 1 + 4 + 1);
  assert.match(chain[0] ?? '', /ESTABLISHED/);
  assert.match(chain[4] ?? '', /-s 10\.77\.2\.100\/32 -p tcp --dport 8080 -j ACCEPT/);
  assert.match(chain[5] ?? '', /-j DROP$/);
  assert.ok(rules.includes('-A FORWARD -o plabc -j PAL-BENCH-SERVER'));
  assert.deepEqual(iptablesRules(0, 'plabc', '10.77.2.100', 8080).split('\n'), [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    'COMMIT',
    '',
  ]);
});
