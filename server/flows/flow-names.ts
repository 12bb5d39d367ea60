import 'server-only';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * The names table of a flow store: each name a flow holds (node, pod, policy, peer, Service)
 * stored once, flows holding its id. A few thousand names repeat over a million flows, so each
 * flow is a fixed-width record (see FlowRecords).
 */
export const NAMES_TABLE =
  'CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)';

/**
 * A store's names and their ids, both ways, read from the table as they are needed and kept.
 * Names no flow holds any more go when the table has doubled since they last went.
 */
export class FlowNames {
  private readonly db: DatabaseSync;
  private readonly add: StatementSync;
  private readonly find: StatementSync;
  private readonly byId: StatementSync;
  private readonly count: StatementSync;
  private readonly ids = new Map<string, number>();
  private readonly names = new Map<number, string>();
  /** Names the table kept after they last went. */
  private kept: number;

  /** The names table must exist. */
  constructor(db: DatabaseSync) {
    this.db = db;
    this.add = db.prepare(
      'INSERT INTO names (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id',
    );
    this.find = db.prepare('SELECT id FROM names WHERE name = ?');
    this.byId = db.prepare('SELECT name FROM names WHERE id = ?');
    this.count = db.prepare('SELECT COUNT(*) AS n FROM names');
    this.kept = this.size();
  }

  /** Forgets the ids it knows: after a transaction that added names was rolled back. */
  forget(): void {
    this.ids.clear();
    this.names.clear();
  }

  /** The id of a name, added to the table when new (within the caller's transaction). */
  idOf(name: string | undefined): number | null {
    if (name === undefined) return null;
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    const id = Number((this.add.get(name) as { id: number }).id);
    this.remember(id, name);
    return id;
  }

  /** The id of a name a query asks for: -1, which no row holds, for a name never stored. */
  knownId(name: string): number {
    const id = this.ids.get(name) ?? (this.find.get(name) as { id: number } | undefined)?.id;
    if (id === undefined) return -1;
    this.remember(id, name);
    return id;
  }

  /** The ids of the names from `from` (inclusive) to `to` (exclusive): a namespace's pods. */
  idsBetween(from: string, to: string): Set<number> {
    const rows = this.db.prepare('SELECT id FROM names WHERE name >= ? AND name < ?').all(from, to);
    return new Set(rows.map((row) => row.id as number));
  }

  nameOf(id: unknown): string | undefined {
    if (typeof id !== 'number') return undefined;
    const known = this.names.get(id);
    if (known !== undefined) return known;
    const name = (this.byId.get(id) as { name: string } | undefined)?.name;
    if (name !== undefined) this.remember(id, name);
    return name;
  }

  /**
   * Drops the names but those `used` gives (the ids flows hold), when the table has doubled since
   * the last time: `used` reads every flow.
   */
  dropUnused(used: () => Set<number>): void {
    if (this.size() < 2 * this.kept + 1000) return;
    this.db
      .prepare('DELETE FROM names WHERE id NOT IN (SELECT value FROM json_each(?))')
      .run(JSON.stringify([...used()]));
    this.forget();
    this.kept = this.size();
  }

  private size(): number {
    return (this.count.get() as { n: number }).n;
  }

  private remember(id: number, name: string): void {
    this.ids.set(name, id);
    this.names.set(id, name);
  }
}
