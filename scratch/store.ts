import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowStore } from '../server/flows/flow-store.ts';

const store = new FlowStore(join(mkdtempSync(join(tmpdir(), 'st-')), 'flows.db'));
const flows = Array.from({ length: 5000 }, (_, i) => ({
  timestampNs: String(1000 + i),
  src: `10.77.2.${i % 50}`,
  dst: '10.77.1.10',
  sport: 40000 + (i % 1000),
  dport: 1024 + i,
  protocol: 17,
  direction: 'ingress',
  verdict: 'allow',
  kind: 'new-flow',
  ruleId: 0,
  podId: 1,
  time: Date.now(),
  node: 'n1',
  pod: 'default/demo-app',
})) as never[];
const start = performance.now();
for (let n = 0; n < 1_000_000; n += 5000) store.add(flows);
console.log('rows/s', Math.round(1_000_000 / ((performance.now() - start) / 1000)));
