import 'server-only';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { REASONS, type Reason, TIERS, type Tier } from '../../agent/datapath/layout.ts';
import { type Flow, MAX_FLOW_TIME } from './flow.ts';
import { FlowNames, NAMES_TABLE } from './flow-names.ts';
import { FlowBlock, FlowRecords } from './flow-records.ts';

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
  /** Flows kept at most (the name is from when each was a row); the oldest go first. */
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

/** `{ [key]: value }`, or nothing when there is no value (a flow's optional fields). */
const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

/**
 * A node's newest block takes the batches that follow while it holds fewer flows than this (an
 * agent with little traffic sends small batches, and a block each would make many small rows)…
 */
const APPEND_BELOW = 256;
/** …and a block holds at most this many; a larger batch is stored in blocks of this size. */
const BLOCK_RECORDS = 4096;

/**
 * Flows are stored in blocks (see FlowRecords): each block the flows of one node from one batch
 * or a few small ones, with the span of their times, so that a time range is a range of blocks.
 * Names (node, pod, policy, peer, Service) are ids of the names table (see FlowNames).
 */
const TABLE = `
  ${NAMES_TABLE};
  CREATE TABLE IF NOT EXISTS blocks (
    id INTEGER PRIMARY KEY, node INTEGER NOT NULL, first REAL NOT NULL, last REAL NOT NULL,
    count INTEGER NOT NULL, records BLOB NOT NULL
  );
  CREATE INDEX IF NOT EXISTS blocks_last ON blocks (last);
  -- Each agent process numbers its batches: the last number stored, so that one sent again is
  -- stored once.
  CREATE TABLE IF NOT EXISTS senders (node TEXT NOT NULL, sender TEXT NOT NULL, seq INTEGER NOT NULL,
    time REAL NOT NULL, PRIMARY KEY (node, sender)) WITHOUT ROWID;`;

interface Block {
  readonly id: number;
  readonly node: number;
  readonly first: number;
  readonly last: number;
  readonly records: FlowRecords;
}

/** What a query asks of blocks (SQL on their spans), and of each flow in them. */
interface Filter {
  readonly blocks: string;
  readonly values: number[];
  readonly test: (records: FlowRecords, i: number) => boolean;
}

/** A flow a query found: the `i`th of its block. */
interface Found {
  readonly block: Block;
  readonly i: number;
  readonly time: number;
}

/** Newest first; flows of one millisecond by their block, then by their place in it, the last first. */
const newestFirst = (a: Found, b: Found) => b.time - a.time || b.block.id - a.block.id || b.i - a.i;

/** A BLOB as node:sqlite gives it, read in place. */
const recordsOf = (value: unknown) => {
  const bytes = value as Uint8Array;
  return new FlowRecords(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
};

/** A ClusterIP flow as nameBackends finds it again: its time, client address and port, protocol. */
const backendKey = (time: number, src: string, sport: number, protocol: number) =>
  `${time} ${src} ${sport} ${protocol}`;

/**
 * Flow history on disk (SQLite), bounded by flows and age, so that it survives a server restart
 * and never grows without end. Flows are kept in blocks of fixed-width records (see FlowRecords):
 * storing a batch writes one row, or adds to its node's newest small block, whatever its size.
 * Queries read the blocks whose span meets their time range, newest first, and test each flow.
 */
export class FlowStore {
  private readonly db: DatabaseSync;
  private readonly limits: FlowStoreLimits;
  private readonly names: FlowNames;
  private readonly insert: StatementSync;
  private readonly append: StatementSync;
  private readonly lastSeq: StatementSync;
  private readonly remember: StatementSync;
  /** Each node's newest block and how many flows it holds, while it may take more (see APPEND_BELOW). */
  private readonly open = new Map<number, { id: number; count: number }>();
  private added = 0;
  /** Flows stored now (counted once on opening, then kept up to date). */
  private rows = 0;

  constructor(
    path: string,
    limits: FlowStoreLimits = { maxRows: 1_000_000, maxAgeMs: 7 * 24 * 3600 * 1000 },
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.limits = limits;
    this.db.exec(`
      -- Pages of 16 KiB instead of 4 (in a new store: an existing one keeps its own): a block is
      -- written in a quarter as many pages, which halves what storing it costs.
      PRAGMA page_size = 16384;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      -- 64 MiB of page cache instead of 2: a full store's blocks are 64 MB, and queries read them.
      PRAGMA cache_size = -65536;
      -- The write-ahead log is copied into the database every 2,500 pages (40 MiB with pages of
      -- 16 KiB) instead of 1,000; after that, the log file is cut back to 64 MiB at most.
      PRAGMA wal_autocheckpoint = 2500;
      PRAGMA journal_size_limit = 67108864;
      ${TABLE}
    `);
    this.names = new FlowNames(this.db);
    this.insert = this.db.prepare(
      'INSERT INTO blocks (node, first, last, count, records) VALUES (?, ?, ?, ?, ?)',
    );
    this.append = this.db.prepare(
      'UPDATE blocks SET records = ?, count = count + ?, first = MIN(first, ?), last = MAX(last, ?) WHERE id = ?',
    );
    this.lastSeq = this.db.prepare('SELECT seq FROM senders WHERE node = ? AND sender = ?');
    this.remember = this.db.prepare(
      'INSERT INTO senders (node, sender, seq, time) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (node, sender) DO UPDATE SET seq = excluded.seq, time = excluded.time',
    );
    this.migrate();
    this.recount();
  }

  private recount(): void {
    this.rows = (this.db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM blocks').get() as { n: number }).n;
  }

  /**
   * Brings the flows of a store written by an earlier version (a row per flow, in any of its
   * layouts) into blocks, every flow kept, in one transaction.
   */
  private migrate(): void {
    if (!this.db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'flows'").get()) return;
    this.db.exec('BEGIN');
    try {
      let chunk: Flow[] = [];
      // Every column but the row's key, which an early layout made larger than JavaScript's numbers.
      const columns = (this.db.prepare('PRAGMA table_info(flows)').all() as { name: string }[])
        .map((column) => column.name)
        .filter((name) => name !== 'id');
      for (const row of this.db.prepare(`SELECT ${columns.join(', ')} FROM flows ORDER BY id`).iterate()) {
        chunk.push(this.earlierFlow(row as Record<string, unknown>));
        if (chunk.length === BLOCK_RECORDS) {
          this.write(chunk);
          chunk = [];
        }
      }
      this.write(chunk);
      this.db.exec('DROP TABLE flows');
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      this.forget();
      throw error;
    }
  }

  /**
   * A row of an earlier version's flows table: names as text (or, later, ids of the names table),
   * small values as text (or, later, numbers); no reason, peer, Service or tier in the earliest.
   */
  private earlierFlow(row: Record<string, unknown>): Flow {
    const name = (value: unknown) =>
      typeof value === 'number' ? this.names.nameOf(value) : (value ?? undefined);
    const named = <K extends string>(key: K, value: unknown) =>
      optional(key, name(value) as string | undefined);
    const src = String(row.src);
    return {
      time: Math.min(Math.max(Number(row.time), 0), MAX_FLOW_TIME),
      node: String(name(row.node) ?? ''),
      ...named('pod', row.pod),
      direction: row.direction === 1 || row.direction === 'egress' ? 'egress' : 'ingress',
      verdict: row.verdict === 0 || row.verdict === 'allow' ? 'allow' : 'deny',
      kind: row.kind === 0 || row.kind === 'new-flow' ? 'new-flow' : 'denied',
      src,
      sport: Number(row.sport),
      dst: String(row.dst),
      dport: Number(row.dport),
      protocol: Number(row.protocol),
      family: row.family === 4 || row.family === 6 ? row.family : src.includes(':') ? 6 : 4,
      ...(typeof row.reason === 'number' ? { reason: REASONS[row.reason] ?? 'policy' } : {}),
      tier: typeof row.tier === 'number' ? (TIERS[row.tier] ?? 'None') : 'None',
      ...named('policy', row.policy),
      ...named('peer', row.peer),
      ...named('service', row.service),
    };
  }

  /** Forgets what a rolled-back transaction may have left in memory: names' ids, open blocks. */
  private forget(): void {
    this.names.forget();
    this.open.clear();
  }

  /**
   * Stores a batch in one transaction: all of its flows or, should anything fail, none. An agent
   * process numbers its batches and sends them one at a time, so one numbered no higher than the
   * last stored from that sender was stored before, and is not stored again (the answer is false):
   * an agent that could not tell whether a batch arrived sends it again with the same number.
   */
  add(flows: readonly Flow[], batch?: BatchNumber): boolean {
    return this.transaction(flows.length, batch, () => this.write(flows));
  }

  /** Stores the flows of one node's block, as add does. */
  addBlock(node: string, block: FlowBlock, batch?: BatchNumber): boolean {
    return this.transaction(block.count, batch, () => this.writeBlock(node, block));
  }

  /** Runs `write` (of `count` flows) in one transaction, the batch's number checked and kept (see add). */
  private transaction(count: number, batch: BatchNumber | undefined, write: () => void): boolean {
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
      write();
      this.db.exec('COMMIT');
    } catch (error) {
      // SQLite may have ended the transaction itself (a full disk): roll back only what is open.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      this.forget();
      throw error;
    }
    this.rows += count;
    this.added += count;
    if (this.added >= 10_000) {
      try {
        this.prune();
      } catch {
        // The batch is stored; pruning goes again with the next ones (the disk may be full now).
      }
    }
    return true;
  }

  /** Writes flows into blocks, each node's apart, within the caller's transaction. */
  private write(flows: readonly Flow[]): void {
    const byNode = new Map<string, Flow[]>();
    for (const flow of flows) {
      const list = byNode.get(flow.node);
      if (list) list.push(flow);
      else byNode.set(flow.node, [flow]);
    }
    for (const [node, list] of byNode) this.writeBlock(node, FlowBlock.of(list));
  }

  /** A node's block with the store's ids of its names, in blocks of at most BLOCK_RECORDS flows. */
  private writeBlock(node: string, block: FlowBlock): void {
    const nodeId = this.names.idOf(node) as number;
    const records = block.records.renamed(block.names.map((name) => this.names.idOf(name) ?? 0));
    for (let at = 0; at < records.count; at += BLOCK_RECORDS)
      this.writeRecords(nodeId, records.slice(at, Math.min(at + BLOCK_RECORDS, records.count)));
  }

  /** Records of one node as a block, or added to the node's newest block while it is small. */
  private writeRecords(node: number, records: FlowRecords): void {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < records.count; i++) {
      const time = records.time(i);
      if (time < first) first = time;
      if (time > last) last = time;
    }
    const open = this.open.get(node);
    const [block] =
      open && open.count < APPEND_BELOW && open.count + records.count <= BLOCK_RECORDS
        ? this.blocks('WHERE id = ?', open.id)
        : [];
    if (open && block) {
      const joined = Buffer.concat([block.records.bytes, records.bytes]);
      this.append.run(joined, records.count, first, last, open.id);
      open.count += records.count;
      return;
    }
    const { lastInsertRowid } = this.insert.run(node, first, last, records.count, records.bytes);
    this.open.set(node, { id: Number(lastInsertRowid), count: records.count });
  }

  /** The blocks SQL selects (`where`, with its values), whole. */
  private blocks(where: string, ...values: (number | string)[]): Iterable<Block> {
    const rows = this.db
      .prepare(`SELECT id, node, first, last, records FROM blocks ${where}`)
      .iterate(...values) as Iterable<Record<string, unknown>>;
    return (function* () {
      for (const row of rows) {
        yield {
          id: row.id as number,
          node: row.node as number,
          first: row.first as number,
          last: row.last as number,
          records: recordsOf(row.records),
        };
      }
    })();
  }

  /**
   * Gives stored flows to a ClusterIP the backend (`peer`) learnt after they were stored; each is
   * found by its node, time, client address and port and protocol, among the egress flows to a
   * Service that have no backend yet.
   */
  nameBackends(flows: readonly Flow[]): void {
    const named = flows.filter((flow) => flow.peer);
    if (named.length === 0) return;
    const update = this.db.prepare('UPDATE blocks SET records = ? WHERE id = ?');
    this.db.exec('BEGIN');
    try {
      for (const node of new Set(named.map((flow) => flow.node))) {
        const ofNode = named.filter((flow) => flow.node === node);
        const peers = new Map(
          ofNode.map((flow) => [backendKey(flow.time, flow.src, flow.sport, flow.protocol), flow.peer]),
        );
        const times = ofNode.map((flow) => flow.time);
        const blocks = [
          ...this.blocks(
            'WHERE node = ? AND last >= ? AND first <= ?',
            this.names.knownId(node),
            Math.min(...times),
            Math.max(...times),
          ),
        ];
        for (const { id, records } of blocks) {
          let changed = false;
          for (let i = 0; i < records.count; i++) {
            if (!records.egress(i) || records.service(i) === 0 || records.peer(i) !== 0) continue;
            const peer = peers.get(
              backendKey(records.time(i), records.src(i), records.sport(i), records.protocol(i)),
            );
            if (peer === undefined) continue;
            records.setPeer(i, this.names.idOf(peer) as number);
            changed = true;
          }
          if (changed) update.run(records.bytes, id);
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      this.forget();
      throw error;
    }
  }

  /** Keeps of a block the flows `keep` lists (by index), or drops it when that is none. */
  private keepOnly(block: Block, keep: readonly number[]): void {
    if (keep.length === block.records.count) return;
    if (keep.length === 0) {
      this.db.prepare('DELETE FROM blocks WHERE id = ?').run(block.id);
      return;
    }
    const records = block.records.select(keep);
    const times = keep.map((i) => block.records.time(i));
    this.db
      .prepare('UPDATE blocks SET records = ?, count = ?, first = ?, last = ? WHERE id = ?')
      .run(records.bytes, keep.length, Math.min(...times), Math.max(...times), block.id);
  }

  /** The oldest time the store keeps: flows before it go at the next {@link prune}. */
  oldestKept(now = Date.now()): number {
    return now - this.limits.maxAgeMs;
  }

  /** Drops what is past the bounds: too old, or beyond the row limit (the oldest first). */
  prune(now = Date.now()): void {
    this.added = 0;
    this.open.clear();
    const cutoff = this.oldestKept(now);
    this.db.exec('BEGIN');
    try {
      this.db.prepare('DELETE FROM blocks WHERE last < ?').run(cutoff);
      for (const block of [...this.blocks('WHERE first < ?', cutoff)]) {
        const indexes = Array.from({ length: block.records.count }, (_, i) => i);
        this.keepOnly(
          block,
          indexes.filter((i) => block.records.time(i) >= cutoff),
        );
      }
      this.recount();
      let excess = this.rows - this.limits.maxRows;
      // The block that begins first, and when the next one begins: of its flows, those older than
      // any other block's go (at least its oldest, should times tie), then the blocks are looked at
      // again, so that the oldest flows go first wherever they are.
      const oldest = this.db.prepare('SELECT id, first FROM blocks ORDER BY first, id LIMIT 2');
      while (excess > 0) {
        const [first, next] = oldest.all() as { id: number; first: number }[];
        const [block] = [...this.blocks('WHERE id = ?', (first as { id: number }).id)] as [Block];
        const { records } = block;
        const order = Array.from({ length: records.count }, (_, i) => i).sort(
          (a, b) => records.time(a) - records.time(b) || a - b,
        );
        let going = 1;
        while (
          going < Math.min(excess, order.length) &&
          (next === undefined || records.time(order[going] as number) < next.first)
        )
          going++;
        this.keepOnly(
          block,
          order.slice(going).sort((a, b) => a - b),
        );
        excess -= going;
      }
      this.db.prepare('DELETE FROM senders WHERE time < ?').run(cutoff);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.recount();
    }
    this.names.dropUnused(() => this.usedNames());
  }

  /** The ids of every name a block holds. */
  private usedNames(): Set<number> {
    const used = new Set<number>();
    for (const { node, records } of this.blocks('')) {
      used.add(node);
      for (let i = 0; i < records.count; i++) {
        const { pod, policy, peer, service } = records.names(i);
        used.add(pod).add(policy).add(peer).add(service);
      }
    }
    return used;
  }

  /** What a query asks of blocks and of flows. */
  private filter(query: FlowQuery): Filter {
    const spans: string[] = [];
    const values: number[] = [];
    const { since, until, family, port } = query;
    if (since !== undefined) {
      spans.push('last >= ?');
      values.push(since);
    }
    if (until !== undefined) {
      spans.push('first <= ?');
      values.push(until);
    }
    const deny = query.verdict && query.verdict === 'deny';
    const egress = query.direction && query.direction === 'egress';
    const reason = query.reason && REASONS.indexOf(query.reason);
    const tier = query.tier && TIERS.indexOf(query.tier);
    const pod = query.pod && this.names.knownId(query.pod);
    const service = query.service && this.names.knownId(query.service);
    // A namespace's pods are the names from `ns/` up to `ns0` ('0' follows '/').
    const pods =
      query.namespace === undefined
        ? undefined
        : this.names.idsBetween(`${query.namespace}/`, `${query.namespace}0`);
    return {
      blocks: spans.length > 0 ? `WHERE ${spans.join(' AND ')}` : '',
      values,
      test: (records, i) =>
        (deny === undefined || records.deny(i) === deny) &&
        (egress === undefined || records.egress(i) === egress) &&
        (reason === undefined || records.reason(i) === reason) &&
        (tier === undefined || records.tier(i) === tier) &&
        (family === undefined || records.family(i) === family) &&
        (pod === undefined || records.pod(i) === pod) &&
        (service === undefined || records.service(i) === service) &&
        (pods === undefined || pods.has(records.pod(i))) &&
        (port === undefined || records.dport(i) === port) &&
        (since === undefined || records.time(i) >= since) &&
        (until === undefined || records.time(i) <= until),
    };
  }

  /** Calls `visit` with each flow that passes `filter`: the records of its block and its index. */
  private scan(filter: Filter, visit: (records: FlowRecords, i: number) => void): void {
    for (const { records } of this.blocks(filter.blocks, ...filter.values)) {
      for (let i = 0; i < records.count; i++) if (filter.test(records, i)) visit(records, i);
    }
  }

  private readonly nameOf = (id: number) => this.names.nameOf(id);

  /** Flows matching `query`, newest first. */
  query(query: FlowQuery = {}): Flow[] {
    const limit = Math.min(query.limit ?? 500, 10_000);
    const filter = this.filter(query);
    let found: Found[] = [];
    // Blocks by their last flow, newest first: once `limit` flows are found, a block that ends
    // before the oldest of them holds none of the newest.
    let bound = Number.NEGATIVE_INFINITY;
    for (const block of this.blocks(`${filter.blocks} ORDER BY last DESC`, ...filter.values)) {
      if (block.last < bound) break;
      const { records } = block;
      for (let i = 0; i < records.count; i++)
        if (filter.test(records, i)) found.push({ block, i, time: records.time(i) });
      if (found.length >= limit) {
        found = found.sort(newestFirst).slice(0, limit);
        bound = (found[limit - 1] as Found).time;
      }
    }
    return found
      .sort(newestFirst)
      .slice(0, limit)
      .map(({ block, i }) => block.records.flow(i, this.names.nameOf(block.node) ?? '', this.nameOf));
  }

  /**
   * Flows matching `query` counted per verdict in `buckets` equal slices of time from `since` to
   * `until` (both required): the flows page's histogram and the overview's denied flows over time.
   */
  histogram(query: FlowQuery & { since: number; until: number }, buckets: number): FlowBucket[] {
    const width = (query.until - query.since) / buckets;
    const result = Array.from({ length: buckets }, (_, i) => ({
      start: query.since + i * width,
      allowed: 0,
      denied: 0,
    }));
    this.scan(this.filter(query), (records, i) => {
      const bucket = result[Math.min(Math.floor((records.time(i) - query.since) / width), buckets - 1)];
      if (!bucket) return;
      if (records.deny(i)) bucket.denied++;
      else bucket.allowed++;
    });
    return result;
  }

  /**
   * The pairs (pod, the peer at the other end, port, direction) with the most flows matching
   * `query`: the overview's top denied pairs.
   */
  topPairs(query: FlowQuery, limit: number): FlowPair[] {
    type Pair = { -readonly [K in keyof FlowPair]: FlowPair[K] };
    // By pod, direction, port and protocol packed in one number, then by peer: a name's id as a
    // negative number, or (no pod had it) its address's key (see peerKey).
    const pairs = new Map<number, Map<number | string, Pair>>();
    const all: Pair[] = [];
    this.scan(this.filter(query), (records, i) => {
      const pod = records.pod(i);
      const peer = records.peer(i);
      const egress = records.egress(i);
      const port = records.dport(i);
      const protocol = records.protocol(i);
      const time = records.time(i);
      const side = pod * 2 ** 25 + (egress ? 2 ** 24 : 0) + port * 2 ** 8 + protocol;
      const peerKey = peer === 0 ? records.peerKey(i) : -peer;
      let ofSide = pairs.get(side);
      if (!ofSide) {
        ofSide = new Map();
        pairs.set(side, ofSide);
      }
      const pair = ofSide.get(peerKey);
      if (pair) {
        pair.count++;
        pair.last = Math.max(pair.last, time);
        return;
      }
      const added: Pair = {
        pod: pod === 0 ? null : (this.names.nameOf(pod) ?? null),
        peer: peer === 0 ? records.peerText(i) : (this.names.nameOf(peer) ?? ''),
        direction: egress ? 'egress' : 'ingress',
        port,
        protocol,
        count: 1,
        last: time,
      };
      ofSide.set(peerKey, added);
      all.push(added);
    });
    return all.sort((a, b) => b.count - a.count || b.last - a.last).slice(0, limit);
  }

  /** Flows stored: counted once on opening, then kept as flows come and go (health checks ask often). */
  count(): number {
    return this.rows;
  }

  close(): void {
    this.db.close();
  }
}
