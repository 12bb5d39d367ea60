import 'server-only';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * The names table of a flow store: each name a row of the store holds (node, pod, policy, peer,
 * Service) stored once, rows holding its id. A few thousand names repeat over a million rows, so
 * rows and the index by pod are smaller, and each insert writes less.
 */
export const NAMES_TABLE =
  'CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)';

/** The flows columns that hold name ids. */
export const NAME_COLUMNS = ['node', 'pod', 'policy', 'peer', 'service'] as const;

/**
 * A store's names and their ids, both ways, read from the table as they are needed and kept.
 * Names no row holds any more go when the table has doubled since they last went.
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
    const id = this.ids.get(name) ?? Number((this.add.get(name) as { id: number }).id);
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

  nameOf(id: unknown): string | undefined {
    if (typeof id !== 'number') return undefined;
    const name = this.names.get(id) ?? (this.byId.get(id) as { name: string } | undefined)?.name;
    if (name !== undefined) this.remember(id, name);
    return name;
  }

  /** Drops the names no row holds, when the table has doubled since the last time (a full scan). */
  dropUnused(): void {
    if (this.size() < 2 * this.kept + 1000) return;
    const used = NAME_COLUMNS.map((column) => `SELECT ${column} FROM flows WHERE ${column} IS NOT NULL`);
    this.db.prepare(`DELETE FROM names WHERE id NOT IN (${used.join(' UNION ')})`).run();
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
