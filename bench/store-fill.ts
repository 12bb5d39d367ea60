import { DatabaseSync } from 'node:sqlite';
import { KEY_EPOCH, KEY_SLOTS } from '../server/flows/flow-store.ts';

/**
 * Fills a flow store's file (made by FlowStore, so with its schema) with `rows` flows of `pods`
 * pods over the hour before `until`, in SQL alone, so that a benchmark can measure inserts into
 * a store as full as it gets in steady state rather than into an empty one.
 */
export function fillStore(path: string, rows: number, pods: number, until: number): void {
  const db = new DatabaseSync(path);
  // Each row's values, names as text; the rows hold their names' ids (see FlowNames).
  const values = `
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :rows),
    v AS (SELECT i, 'node-' || (i % 8) AS node, 'ns-' || (i % 50) || '/pod-' || (i % :pods) AS pod,
      CASE WHEN i % 10 = 0 THEN NULL ELSE 'ns-' || (i % 50) || '/allow' END AS policy,
      'ns-' || (i % 47) || '/pod-' || (i % (:pods - 1)) AS peer FROM n)`;
  const id = (column: string) => `(SELECT id FROM names WHERE name = v.${column})`;
  try {
    db.exec('BEGIN');
    db.prepare(`${values}
      INSERT OR IGNORE INTO names (name)
      SELECT node FROM v UNION SELECT pod FROM v UNION SELECT policy FROM v WHERE policy IS NOT NULL
      UNION SELECT peer FROM v`).run({ rows, pods });
    db.prepare(`${values}
      INSERT INTO flows (id, time, node, pod, direction, verdict, kind, reason, family, src, sport, dst, dport, protocol, policy, peer)
      SELECT (CAST(:from + i * :step AS INTEGER) - ${KEY_EPOCH}) * ${KEY_SLOTS} + i % ${KEY_SLOTS}, :from + i * :step,
        ${id('node')}, ${id('pod')}, i % 2, i % 10 = 0, i % 10 = 0, 0, 4,
        '10.' || (i % 200) || '.' || (i % 250) || '.' || (i % 251), 32768 + i % 28000,
        '10.' || (i % 199) || '.' || (i % 241) || '.' || (i % 239), 1 + i % 1024, 6, ${id('policy')}, ${id('peer')}
      FROM v`).run({ rows, pods, from: until - 3_600_000, step: 3_600_000 / rows });
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}
