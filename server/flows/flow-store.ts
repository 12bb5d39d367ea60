import 'server-only';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Flow } from './flow.ts';

/** What `GET /api/flows` can ask for. */
export interface FlowQuery {
  readonly verdict?: 'allow' | 'deny';
  readonly direction?: 'ingress' | 'egress';
  /** Flows of pods in this namespace. */
  readonly namespace?: string;
  /** Flows of this pod (`ns/name`). */
  readonly pod?: string;
  /** Flows to the ClusterIP of this Service (`ns/name`). */
  readonly service?: string;
  readonly port?: number;
  /** Milliseconds since the epoch, inclusive. */
  readonly since?: number;
  readonly until?: number;
  readonly limit?: number;
}

/** A slice of time and the flows in it, by verdict. */
export interface FlowBucket {
  /** Milliseconds since the epoch. */
  readonly start: number;
  allowed: number;
  denied: number;
}

/** Flows of one pod with one peer on one port, counted. */
export interface FlowPair {
  readonly pod: string | null;
  /** The pod at the other end (`ns/name`), or its address when no pod had it. */
  readonly peer: string;
  readonly direction: 'ingress' | 'egress';
  readonly port: number;
  readonly protocol: number;
  readonly count: number;
  /** When the last of them was seen. */
  readonly last: number;
}

export interface FlowStoreLimits {
  /** Rows kept at most; the oldest go first. */
  readonly maxRows: number;
  /** Flows older than this (milliseconds) go. */
  readonly maxAgeMs: number;
}

/** Which batch of which agent process: `sender` is the process's random id, `seq` counts its batches. */
export interface BatchNumber {
  readonly node: string;
  readonly sender: string;
  readonly seq: number;
}

const COLUMNS = [
  'time',
  'node',
  'pod',
  'direction',
  'verdict',
  'kind',
  'src',
  'sport',
  'dst',
  'dport',
  'protocol',
  'policy',
  'peer',
  'service',
] as const;

/**
 * Flow history on disk (SQLite), bounded by rows and age, so that it survives a server restart
 * and never grows without end. Batches go in one transaction.
 */
export class FlowStore {
  private readonly db: DatabaseSync;
  private readonly limits: FlowStoreLimits;
  private readonly insert: StatementSync;
  private readonly lastSeq: StatementSync;
  private readonly remember: StatementSync;
  private added = 0;

  constructor(
    path: string,
    limits: FlowStoreLimits = { maxRows: 1_000_000, maxAgeMs: 7 * 24 * 3600 * 1000 },
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.limits = limits;
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      -- 64 MiB of page cache instead of 2: at its bound the store's indexes (by time, by pod) no
      -- longer fit in 2 MiB, and each insert then reads their pages back; bench:events measures it.
      PRAGMA cache_size = -65536;
      -- Row ids only order rows, so no AUTOINCREMENT: it costs a write to sqlite_sequence per row.
      CREATE TABLE IF NOT EXISTS flows (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL, node TEXT NOT NULL, pod TEXT, direction TEXT NOT NULL, verdict TEXT NOT NULL,
        kind TEXT NOT NULL, src TEXT NOT NULL, sport INTEGER NOT NULL, dst TEXT NOT NULL, dport INTEGER NOT NULL,
        protocol INTEGER NOT NULL, policy TEXT, peer TEXT, service TEXT
      );
      CREATE INDEX IF NOT EXISTS flows_time ON flows (time);
      CREATE INDEX IF NOT EXISTS flows_pod ON flows (pod, time);
      -- Each agent process numbers its batches: the last number stored, so that one sent again is
      -- stored once.
      CREATE TABLE IF NOT EXISTS senders (node TEXT NOT NULL, sender TEXT NOT NULL, seq INTEGER NOT NULL,
        time REAL NOT NULL, PRIMARY KEY (node, sender)) WITHOUT ROWID;
    `);
    // Stores made before flows named their peer (and Service) gain the columns; their old rows have none.
    const columns = this.db.prepare('PRAGMA table_info(flows)').all() as { name: string }[];
    for (const added of ['peer', 'service'])
      if (!columns.some((column) => column.name === added))
        this.db.exec(`ALTER TABLE flows ADD COLUMN ${added} TEXT`);
    this.lastSeq = this.db.prepare('SELECT seq FROM senders WHERE node = ? AND sender = ?');
    this.remember = this.db.prepare(
      'INSERT INTO senders (node, sender, seq, time) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (node, sender) DO UPDATE SET seq = excluded.seq, time = excluded.time',
    );
    this.insert = this.db.prepare(
      `INSERT INTO flows (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
    );
  }

  /**
   * Stores a batch in one transaction: all of its flows or, should anything fail, none. An agent
   * process numbers its batches and sends them one at a time, so one numbered no higher than the
   * last stored from that sender was stored before, and is not stored again (the answer is false):
   * an agent that could not tell whether a batch arrived sends it again with the same number.
   */
  add(flows: readonly Flow[], batch?: BatchNumber): boolean {
    this.db.exec('BEGIN');
    try {
      if (batch) {
        const last = this.lastSeq.get(batch.node, batch.sender) as { seq: number } | undefined;
        if (last && last.seq >= batch.seq) {
          this.db.exec('ROLLBACK');
          return false;
        }
        this.remember.run(batch.node, batch.sender, batch.seq, Date.now());
      }
      for (const flow of flows) {
        this.insert.run(
          flow.time,
          flow.node,
          flow.pod ?? null,
          flow.direction,
          flow.verdict,
          flow.kind,
          flow.src,
          flow.sport,
          flow.dst,
          flow.dport,
          flow.protocol,
          flow.policy ?? null,
          flow.peer ?? null,
          flow.service ?? null,
        );
      }
      this.db.exec('COMMIT');
    } catch (error) {
      // SQLite may have ended the transaction itself (a full disk): roll back only what is open.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    this.added += flows.length;
    if (this.added >= 10_000) {
      try {
        this.prune();
      } catch {
        // The batch is stored; pruning goes again with the next ones (the disk may be full now).
      }
    }
    return true;
  }

  /**
   * Gives stored flows to a ClusterIP the backend (`peer`) learnt after they were stored; each is
   * found by its time, node and client address, port and protocol.
   */
  nameBackends(flows: readonly Flow[]): void {
    const update = this.db.prepare(
      `UPDATE flows SET peer = ? WHERE time = ? AND node = ? AND src = ? AND sport = ? AND protocol = ?
        AND direction = 'egress' AND service IS NOT NULL AND peer IS NULL`,
    );
    this.db.exec('BEGIN');
    try {
      for (const flow of flows)
        if (flow.peer) update.run(flow.peer, flow.time, flow.node, flow.src, flow.sport, flow.protocol);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Drops what is past the bounds: too old, or beyond the row limit. */
  prune(now = Date.now()): void {
    this.added = 0;
    this.db.prepare('DELETE FROM flows WHERE time < ?').run(now - this.limits.maxAgeMs);
    this.db.prepare('DELETE FROM flows WHERE id <= (SELECT MAX(id) FROM flows) - ?').run(this.limits.maxRows);
    this.db.prepare('DELETE FROM senders WHERE time < ?').run(now - this.limits.maxAgeMs);
  }

  /** The SQL condition and its values for a query's filters (the limit aside). */
  private where(query: FlowQuery): { sql: string; values: (string | number)[] } {
    const where: string[] = [];
    const values: (string | number)[] = [];
    const add = (clause: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      values.push(value);
    };
    add('verdict = ?', query.verdict);
    add('direction = ?', query.direction);
    add('pod = ?', query.pod);
    add('service = ?', query.service);
    add(
      'pod LIKE ?',
      query.namespace === undefined ? undefined : `${query.namespace.replace(/[%_]/g, '')}/%`,
    );
    add('dport = ?', query.port);
    add('time >= ?', query.since);
    add('time <= ?', query.until);
    return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', values };
  }

  /** Flows matching `query`, newest first. */
  query(query: FlowQuery = {}): Flow[] {
    const { sql: where, values } = this.where(query);
    const sql = `SELECT ${COLUMNS.join(', ')} FROM flows ${where} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...values, Math.min(query.limit ?? 500, 10_000)) as Record<
      string,
      unknown
    >[];
    return rows.map((row) => ({
      time: row.time as number,
      node: row.node as string,
      ...(row.pod === null ? {} : { pod: row.pod as string }),
      direction: row.direction as Flow['direction'],
      verdict: row.verdict as Flow['verdict'],
      kind: row.kind as Flow['kind'],
      src: row.src as string,
      sport: row.sport as number,
      dst: row.dst as string,
      dport: row.dport as number,
      protocol: row.protocol as number,
      ...(row.policy === null ? {} : { policy: row.policy as string }),
      ...(row.peer === null ? {} : { peer: row.peer as string }),
      ...(row.service === null ? {} : { service: row.service as string }),
    }));
  }

  /**
   * Flows matching `query` counted per verdict in `buckets` equal slices of time from `since` to
   * `until` (both required): the flows page's histogram and the overview's denied flows over time.
   */
  histogram(query: FlowQuery & { since: number; until: number }, buckets: number): FlowBucket[] {
    const width = Math.max(1, (query.until - query.since) / buckets);
    const { sql: where, values } = this.where(query);
    const rows = this.db
      .prepare(
        `SELECT MIN(CAST((time - ?) / ? AS INTEGER), ?) AS bucket, verdict, COUNT(*) AS n FROM flows ${where} GROUP BY bucket, verdict`,
      )
      .all(query.since, width, buckets - 1, ...values) as { bucket: number; verdict: string; n: number }[];
    const result = Array.from({ length: buckets }, (_, i) => ({
      start: query.since + i * width,
      allowed: 0,
      denied: 0,
    }));
    for (const row of rows) {
      const bucket = result[row.bucket];
      if (!bucket) continue;
      if (row.verdict === 'allow') bucket.allowed += row.n;
      else bucket.denied += row.n;
    }
    return result;
  }

  /**
   * The pairs (pod, the peer at the other end, port, direction) with the most flows matching
   * `query`: the overview's top denied pairs.
   */
  topPairs(query: FlowQuery, limit: number): FlowPair[] {
    const { sql: where, values } = this.where(query);
    return this.db
      .prepare(
        `SELECT pod, COALESCE(peer, CASE direction WHEN 'ingress' THEN src ELSE dst END) AS peer, direction, dport AS port, protocol, COUNT(*) AS count, MAX(time) AS last FROM flows ${where} GROUP BY 1, 2, 3, 4, 5 ORDER BY count DESC, last DESC LIMIT ?`,
      )
      .all(...values, limit)
      .map((row) => ({ ...row }) as unknown as FlowPair);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM flows').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
