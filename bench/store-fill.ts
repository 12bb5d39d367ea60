import { DatabaseSync } from 'node:sqlite';
import { KEY_EPOCH, KEY_SLOTS } from '../server/flows/flow-store.ts';

/**
 * Fills a flow store's file (made by FlowStore, so with its schema) with `rows` flows of `pods`
 * pods over the hour before `until`, in SQL alone, so that a benchmark can measure inserts into
 * a store as full as it gets in steady state rather than into an empty one.
 */
export function fillStore(path: string, rows: number, pods: number, until: number): void {
  const db = new DatabaseSync(path);
  try {
    db.exec('BEGIN');
    db.prepare(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :rows)
      INSERT INTO flows (id, time, node, pod, direction, verdict, kind, reason, family, src, sport, dst, dport, protocol, policy, peer)
      SELECT (CAST(:from + i * :step AS INTEGER) - ${KEY_EPOCH}) * ${KEY_SLOTS} + i % ${KEY_SLOTS}, :from + i * :step, 'node-' || (i % 8),
        'ns-' || (i % 50) || '/pod-' || (i % :pods), i % 2, i % 10 = 0, i % 10 = 0, 0, 4,
        '10.' || (i % 200) || '.' || (i % 250) || '.' || (i % 251), 32768 + i % 28000,
        '10.' || (i % 199) || '.' || (i % 241) || '.' || (i % 239), 1 + i % 1024, 6,
        CASE WHEN i % 10 = 0 THEN NULL ELSE 'ns-' || (i % 50) || '/allow' END,
        'ns-' || (i % 47) || '/pod-' || (i % (:pods - 1))
      FROM n`).run({ rows, pods, from: until - 3_600_000, step: 3_600_000 / rows });
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}
