import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { addon } from '../agent/datapath/addon.ts';
import { LAYOUT } from '../agent/datapath/layout.ts';
import { nodeDir } from '../agent/datapath/pins.ts';

/**
 * `ring-drain.ts [--record DIR] NODE…`: takes flow events from the nodes' ring buffers in their
 * agents' place, as the agent's addon does, and drops them or, with --record, appends the raw
 * records to DIR/NODE.events. Runs in a process of its own, so that its JavaScript is always free
 * to take the addon's batches; on SIGTERM it takes what the buffers still hold (until no batch
 * came for 300 ms), prints `{"NODE": events, …}` and exits.
 */
const { values, positionals } = parseArgs({
  options: { record: { type: 'string' } },
  allowPositionals: true,
});
const taken: Record<string, number> = {};
let lastBatch = Date.now();
// The handles stay referenced: a collected handle closes its ring buffer.
const rings = positionals.map((node) => {
  taken[node] = 0;
  return addon().ringOpen(`${nodeDir(node)}/events`, (batch) => {
    lastBatch = Date.now();
    taken[node] = (taken[node] ?? 0) + batch.length / LAYOUT.flow_event.size;
    if (values.record) appendFileSync(`${values.record}/${node}.events`, batch);
  });
});
process.on('SIGTERM', () => {
  const done = setInterval(() => {
    if (Date.now() - lastBatch < 300) return;
    clearInterval(done);
    // The buffers are drained and the queue to JavaScript empty: closing waits for one poll at most.
    for (const ring of rings) addon().ringClose(ring);
    process.stdout.write(`${JSON.stringify(taken)}\n`, () => process.exit(0));
  }, 50);
});
process.stdout.write('ready\n');
