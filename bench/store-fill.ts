import type { Flow } from '../server/flows/flow.ts';
import { FlowStore } from '../server/flows/flow-store.ts';

/**
 * Fills a flow store's file with `rows` flows of `pods` pods over the hour before `until`, in
 * batches of 5,000 from 8 nodes, so that a benchmark can measure inserts into a store as full as
 * it gets in steady state rather than into an empty one.
 */
export function fillStore(path: string, rows: number, pods: number, until: number): void {
  const store = new FlowStore(path, { maxRows: rows, maxAgeMs: Number.MAX_SAFE_INTEGER });
  const from = until - 3_600_000;
  const step = 3_600_000 / rows;
  const flowOf = (i: number): Flow => ({
    time: from + i * step,
    node: `node-${Math.floor(i / 5000) % 8}`,
    pod: `ns-${i % 50}/pod-${i % pods}`,
    direction: i % 2 ? 'egress' : 'ingress',
    verdict: i % 10 === 0 ? 'deny' : 'allow',
    kind: i % 10 === 0 ? 'denied' : 'new-flow',
    reason: 'policy',
    family: 4,
    src: `10.${i % 200}.${i % 250}.${i % 251}`,
    sport: 32768 + (i % 28000),
    dst: `10.${i % 199}.${i % 241}.${i % 239}`,
    dport: 1 + (i % 1024),
    protocol: 6,
    tier: 'NetworkPolicy',
    ...(i % 10 === 0 ? {} : { policy: `ns-${i % 50}/allow` }),
    peer: `ns-${i % 47}/pod-${i % (pods - 1)}`,
  });
  try {
    for (let at = 0; at < rows; at += 5000)
      store.add(Array.from({ length: Math.min(5000, rows - at) }, (_, i) => flowOf(at + i)));
  } finally {
    store.close();
  }
}
