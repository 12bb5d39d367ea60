import 'server-only';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { REASONS, type Reason, TIERS, type Tier } from '../../agent/datapath/layout.ts';
import { type Flow, MAX_FLOW_TIME } from './flow.ts';
import { FlowNames, NAME_COLUMNS, NAMES_TABLE } from './flow-names.ts';

/** What `GET /api/flows` can ask for. */
export interface FlowQuery {
  readonly verdict?: 'allow' | 'deny';
  readonly direction?: 'ingress' | 'egress';
  /** Why the kernel gave its verdict (see Flow.reason). */
  readonly reason?: Reason;
  /** The tier of the policy that decided (see Flow.tier); `None` finds flows stored before tiers too. */
  readonly tier?: Tier;
  readonly family?: 4 | 6;
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

/** The columns of a row, in the order the insert binds them (after the row's key). */
const COLUMNS = [
  'time',
  'node',
  'pod',
  'direction',
  'verdict',
  'kind',
  'reason',
  'tier',
  'family',
  'src',
  'sport',
  'dst',
  'dport',
  'protocol',
  'policy',
  'peer',
  'service',
] as const;

/** Small values are stored as their number (the kernel's), not as text. */
const DIRECTIONS = ['ingress', 'egress'] as const;
const VERDICTS = ['allow', 'deny'] as const;
const KINDS = ['new-flow', 'denied'] as const;

/**
 * A row's key orders rows by time: the millisecond since KEY_EPOCH times KEY_SLOTS, plus a slot (so
 * that the flows of one millisecond have keys of their own). A time range is then a range of keys,
 * and the table needs no index by time. Keys stay exact JavaScript integers up to MAX_FLOW_TIME.
 */
export const KEY_SLOTS = 4096;
export const KEY_EPOCH = 1_700_000_000_000;
const keyOf = (time: number) => (Math.floor(time) - KEY_EPOCH) * KEY_SLOTS;

/** `{ [key]: value }`, or nothing when there is no value (a flow's optional fields). */
const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

/**
 * The flows table; the row id follows the key, so the index by pod lists each pod's flows by time.
 * Names (node, pod, policy, peer, service) are ids of the names table (see FlowNames).
 */
const TABLE = `
  ${NAMES_TABLE};
  CREATE TABLE IF NOT EXISTS flows (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL, node INTEGER NOT NULL, pod INTEGER, direction INTEGER NOT NULL,
    verdict INTEGER NOT NULL, kind INTEGER NOT NULL, reason INTEGER, tier INTEGER NOT NULL DEFAULT 0,
    family INTEGER NOT NULL, src TEXT NOT NULL, sport INTEGER NOT NULL, dst TEXT NOT NULL, dport INTEGER NOT NULL,
    protocol INTEGER NOT NULL, policy INTEGER, peer INTEGER, service INTEGER
  );
  CREATE INDEX IF NOT EXISTS flows_pod ON flows (pod);`;
const INSERT = `INSERT INTO flows (id, ${COLUMNS.join(', ')}) VALUES (?, ${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`;

/**
 * Flow history on disk (SQLite), bounded by rows and age, so that it survives a server restart
 * and never grows without end. Batches go in one transaction. Rows are keyed by time (no index by
 * time to keep up) and indexed by pod only; small values are numbers, names ids.
 */
export class FlowStore {
  private readonly db: DatabaseSync;
  private readonly limits: FlowStoreLimits;
  /** Prepared once the tables exist (by migrate, or after it). */
  private insert!: StatementSync;
  private names!: FlowNames;
  private readonly lastSeq: StatementSync;
  private readonly remember: StatementSync;
  private added = 0;
  /** Rows stored now (counted once on opening, then kept up to date). */
  private rows: number;
  private slot = 0;

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
      -- 64 MiB of page cache instead of 2: at its bound the store's index by pod no longer fits
      -- in 2 MiB, and each insert then reads its pages back; bench:events measures it.
      PRAGMA cache_size = -65536;
      -- The write-ahead log is copied into the database every 10,000 pages (40 MiB) instead of
      -- 1,000: the last pages of the table and index, written again by each batch, are copied
      -- once per checkpoint, and checkpoints were a fifth of an insert's time. After one, the log
      -- file is cut back to 64 MiB at most.
      PRAGMA wal_autocheckpoint = 10000;
      PRAGMA journal_size_limit = 67108864;
    `);
    this.migrate();
    this.db.exec(`
      ${TABLE}
      -- Each agent process numbers its batches: the last number stored, so that one sent again is
      -- stored once.
      CREATE TABLE IF NOT EXISTS senders (node TEXT NOT NULL, sender TEXT NOT NULL, seq INTEGER NOT NULL,
        time REAL NOT NULL, PRIMARY KEY (node, sender)) WITHOUT ROWID;
    `);
    this.rows = (this.db.prepare('SELECT COUNT(*) AS n FROM flows').get() as { n: number }).n;
    this.lastSeq = this.db.prepare('SELECT seq FROM senders WHERE node = ? AND sender = ?');
    this.remember = this.db.prepare(
      'INSERT INTO senders (node, sender, seq, time) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (node, sender) DO UPDATE SET seq = excluded.seq, time = excluded.time',
    );
    this.prepareWrites();
  }

  /** The statements that write flows, once the tables exist. */
  private prepareWrites(): void {
    this.insert = this.db.prepare(INSERT);
    this.names = new FlowNames(this.db);
  }

  /**
   * Brings a store written by an earlier version to the current tables, every flow kept: one from
   * before rows were keyed by time is rewritten (see rewriteUnkeyed), one from before names were
   * ids too (see rewriteNames).
   */
  private migrate(): void {
    const columns = this.db.prepare('PRAGMA table_info(flows)').all() as { name: string }[];
    if (columns.length === 0) return;
    const has = (name: string) => columns.some((column) => column.name === name);
    if (!has('reason')) this.rewriteUnkeyed(has);
    else if (!this.db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'names'").get())
      this.rewriteNames(has);
  }

  /**
   * A store keyed by time whose rows hold names as text is rewritten once, in SQL, with names as
   * ids; a store from before tiers gets tier None for its flows.
   */
  private rewriteNames(has: (column: string) => boolean): void {
    const id = (column: string) => `(SELECT id FROM names WHERE name = old.${column})`;
    const names = NAME_COLUMNS.map((column) => `SELECT ${column} FROM flows_old WHERE ${column} IS NOT NULL`);
    this.db.exec('BEGIN');
    try {
      this.db.exec(`
        ALTER TABLE flows RENAME TO flows_old;
        DROP INDEX IF EXISTS flows_pod;
        ${TABLE}
        INSERT INTO names (name) ${names.join(' UNION ')};
        INSERT INTO flows (id, ${COLUMNS.join(', ')})
          SELECT id, time, ${id('node')}, ${id('pod')}, direction, verdict, kind, reason,
            ${has('tier') ? 'tier' : '0'}, family, src, sport, dst, dport, protocol, ${id('policy')},
            ${id('peer')}, ${id('service')}
          FROM flows_old AS old;
        DROP TABLE flows_old;
      `);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * A store written before rows were keyed by time (flows with text values, indexed by time) is
   * rewritten once into the current table, every flow kept; its flows have no reason, and tier None.
   */
  private rewriteUnkeyed(has: (column: string) => boolean): void {
    this.db.exec('BEGIN');
    try {
      this.db.exec(`
        ALTER TABLE flows RENAME TO flows_old;
        DROP INDEX IF EXISTS flows_time;
        DROP INDEX IF EXISTS flows_pod;
        ${TABLE}
      `);
      this.prepareWrites();
      const old = this.db.prepare(
        `SELECT time, node, pod, direction, verdict, kind, src, sport, dst, dport, protocol, policy,
          ${has('peer') ? 'peer' : 'NULL AS peer'}, ${has('service') ? 'service' : 'NULL AS service'}
          FROM flows_old ORDER BY id`,
      );
      for (const row of old.iterate() as Iterable<Record<string, string | number | null>>) {
        this.insertOne({
          time: Math.min(Math.max(Number(row.time), 0), MAX_FLOW_TIME),
          node: String(row.node),
          ...(row.pod === null ? {} : { pod: String(row.pod) }),
          direction: row.direction === 'egress' ? 'egress' : 'ingress',
          verdict: row.verdict === 'allow' ? 'allow' : 'deny',
          kind: row.kind === 'new-flow' ? 'new-flow' : 'denied',
          src: String(row.src),
          sport: Number(row.sport),
          dst: String(row.dst),
          dport: Number(row.dport),
          protocol: Number(row.protocol),
          ...(row.policy === null ? {} : { policy: String(row.policy) }),
          ...(row.peer === null ? {} : { peer: String(row.peer) }),
          ...(row.service === null ? {} : { service: String(row.service) }),
        });
      }
      this.db.exec('DROP TABLE flows_old');
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
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
      for (const flow of flows) this.insertOne(flow);
      this.db.exec('COMMIT');
    } catch (error) {
      // SQLite may have ended the transaction itself (a full disk): roll back only what is open.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      // Names the batch added are gone with it.
      this.names.forget();
      throw error;
    }
    this.rows += flows.length;
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
   * One row, under the next free key of its millisecond; should all of them be taken, under one of
   * the next millisecond's (its time is kept exact, and queries bound by time as well as by key).
   */
  private insertOne(flow: Flow): void {
    let base = keyOf(flow.time);
    for (let tries = 1; ; tries++) {
      this.slot = (this.slot + 1) % KEY_SLOTS;
      if (tries % KEY_SLOTS === 0) base += KEY_SLOTS;
      const { changes } = this.insert.run(
        base + this.slot,
        flow.time,
        this.names.idOf(flow.node),
        this.names.idOf(flow.pod),
        flow.direction === 'egress' ? 1 : 0,
        flow.verdict === 'deny' ? 1 : 0,
        flow.kind === 'denied' ? 1 : 0,
        flow.reason === undefined ? null : REASONS.indexOf(flow.reason),
        TIERS.indexOf(flow.tier ?? 'None'),
        flow.family ?? (flow.src.includes(':') ? 6 : 4),
        flow.src,
        flow.sport,
        flow.dst,
        flow.dport,
        flow.protocol,
        this.names.idOf(flow.policy),
        this.names.idOf(flow.peer),
        this.names.idOf(flow.service),
      );
      if (changes > 0) return;
    }
  }

  /**
   * Gives stored flows to a ClusterIP the backend (`peer`) learnt after they were stored; each is
   * found by its time, node and client address, port and protocol.
   */
  nameBackends(flows: readonly Flow[]): void {
    const update = this.db.prepare(
      `UPDATE flows SET peer = ? WHERE id >= ? AND id < ? AND time = ? AND node = ? AND src = ? AND sport = ?
        AND protocol = ? AND direction = 1 AND service IS NOT NULL AND peer IS NULL`,
    );
    this.db.exec('BEGIN');
    try {
      for (const flow of flows) {
        if (!flow.peer) continue;
        const key = keyOf(flow.time);
        update.run(
          this.names.idOf(flow.peer),
          key,
          // Its own millisecond's keys, and the next's, where a full millisecond spills.
          key + 2 * KEY_SLOTS,
          flow.time,
          this.names.knownId(flow.node),
          flow.src,
          flow.sport,
          flow.protocol,
        );
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      this.names.forget();
      throw error;
    }
  }

  /** Drops what is past the bounds: too old, or beyond the row limit (the oldest first). */
  prune(now = Date.now()): void {
    this.added = 0;
    const old = this.db.prepare('DELETE FROM flows WHERE id < ?').run(keyOf(now - this.limits.maxAgeMs));
    this.rows -= Number(old.changes);
    const excess = this.rows - this.limits.maxRows;
    if (excess > 0) {
      const over = this.db
        .prepare('DELETE FROM flows WHERE id IN (SELECT id FROM flows ORDER BY id LIMIT ?)')
        .run(excess);
      this.rows -= Number(over.changes);
    }
    this.db.prepare('DELETE FROM senders WHERE time < ?').run(now - this.limits.maxAgeMs);
    this.names.dropUnused();
  }

  /** The SQL condition and its values for a query's filters (the limit aside). */
  private where(query: FlowQuery): { sql: string; values: (string | number)[] } {
    const where: string[] = [];
    const values: (string | number)[] = [];
    const add = (clause: string, ...value: (string | number | undefined)[]) => {
      if (value[0] === undefined) return;
      where.push(clause);
      values.push(...(value as (string | number)[]));
    };
    add('verdict = ?', query.verdict && VERDICTS.indexOf(query.verdict));
    add('direction = ?', query.direction && DIRECTIONS.indexOf(query.direction));
    add('reason = ?', query.reason && REASONS.indexOf(query.reason));
    add('tier = ?', query.tier && TIERS.indexOf(query.tier));
    add('family = ?', query.family);
    add('pod = ?', query.pod && this.names.knownId(query.pod));
    add('service = ?', query.service && this.names.knownId(query.service));
    // A namespace's pods are the names from `ns/` up to `ns0` ('0' follows '/'): a range of the
    // names' index, then the ids in the index by pod.
    add(
      'pod IN (SELECT id FROM names WHERE name >= ? AND name < ?)',
      query.namespace && `${query.namespace}/`,
      `${query.namespace}0`,
    );
    add('dport = ?', query.port);
    if (query.since !== undefined) add('id >= ? AND time >= ?', keyOf(query.since), query.since);
    // A key may be a millisecond late (see insertOne): the time bounds a range's end.
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
    const name = (id: unknown) => this.names.nameOf(id);
    return rows.map((row) => ({
      time: row.time as number,
      node: name(row.node) ?? '',
      ...optional('pod', name(row.pod)),
      direction: DIRECTIONS[row.direction as number] ?? 'ingress',
      verdict: VERDICTS[row.verdict as number] ?? 'deny',
      kind: KINDS[row.kind as number] ?? 'denied',
      src: row.src as string,
      sport: row.sport as number,
      dst: row.dst as string,
      dport: row.dport as number,
      protocol: row.protocol as number,
      family: row.family === 6 ? 6 : 4,
      ...(row.reason === null ? {} : { reason: REASONS[row.reason as number] ?? 'policy' }),
      tier: TIERS[row.tier as number] ?? 'None',
      ...optional('policy', name(row.policy)),
      ...optional('peer', name(row.peer)),
      ...optional('service', name(row.service)),
    }));
  }

  /**
   * Flows matching `query` counted per verdict in `buckets` equal slices of time from `since` to
   * `until` (both required): the flows page's histogram and the overview's denied flows over time.
   */
  histogram(query: FlowQuery & { since: number; until: number }, buckets: number): FlowBucket[] {
    const width = (query.until - query.since) / buckets;
    const { sql: where, values } = this.where(query);
    const rows = this.db
      .prepare(
        `SELECT MIN(CAST((time - ?) / ? AS INTEGER), ?) AS bucket, verdict, COUNT(*) AS n FROM flows ${where} GROUP BY bucket, verdict`,
      )
      .all(query.since, width, buckets - 1, ...values) as { bucket: number; verdict: number; n: number }[];
    const result = Array.from({ length: buckets }, (_, i) => ({
      start: query.since + i * width,
      allowed: 0,
      denied: 0,
    }));
    for (const row of rows) {
      const bucket = result[row.bucket];
      if (!bucket) continue;
      if (row.verdict === 0) bucket.allowed += row.n;
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
    // The peer is its name's id, or (no pod had it) its address.
    const rows = this.db
      .prepare(
        `SELECT pod, COALESCE(peer, CASE direction WHEN 0 THEN src ELSE dst END) AS peer, direction, dport AS port, protocol, COUNT(*) AS count, MAX(time) AS last FROM flows ${where} GROUP BY 1, 2, 3, 4, 5 ORDER BY count DESC, last DESC LIMIT ?`,
      )
      .all(...values, limit) as Record<string, number | string | null>[];
    return rows.map((row) => ({
      pod: this.names.nameOf(row.pod) ?? null,
      peer: typeof row.peer === 'number' ? (this.names.nameOf(row.peer) ?? '') : String(row.peer),
      direction: DIRECTIONS[row.direction as number] ?? 'ingress',
      port: row.port as number,
      protocol: row.protocol as number,
      count: row.count as number,
      last: row.last as number,
    }));
  }

  /** Rows stored: counted once on opening, then kept as rows come and go (health checks ask often). */
  count(): number {
    return this.rows;
  }

  close(): void {
    this.db.close();
  }
}
