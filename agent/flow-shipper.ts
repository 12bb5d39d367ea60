import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { FLOW_FRAME_TYPE, MAX_BATCH_FLOWS } from '../server/flows/flow-frame.ts';
import type { AgentStatus } from '../server/nodes/agent-status.ts';
import { frameOf, type RecordBatch, recordCount, sliceRecords } from './record-batch.ts';

export interface ShipperOptions {
  /** The server's ingest endpoint, e.g. http://127.0.0.1:3000/api/ingest. */
  readonly url: string;
  /** This node's token, sent as a bearer token; read anew for each batch (tokens rotate). */
  readonly token: () => string | undefined;
  readonly node: string;
  /** Flows held while the server is slow or away; past this the oldest are dropped (and counted). */
  readonly maxBuffered?: number;
  readonly batchSize?: number;
  /** Wait after a failed send before trying again. */
  readonly retryMs?: number;
  /** The agent's status (read from the kernel's maps, so not free), sent at most this often with a batch. */
  readonly status?: () => AgentStatus | undefined;
  readonly statusEveryMs?: number;
  /** With no flows for this long, a batch of none carries the status, so that the server hears from the agent. */
  readonly heartbeatMs?: number;
}

/** What became of one request to the ingest. */
type Outcome =
  /** The server stored the batch (or had stored it before). */
  | 'stored'
  /** The server will never take this batch (400, 413, 415…): it is dropped, and counted. */
  | 'refused'
  /** The server did not store it (unreachable, 401/403 while tokens rotate, 429, 503): it waits again. */
  | 'not-stored'
  /** No answer came (a timeout, a reset, a 5xx from the way there): it may have been stored. */
  | 'unknown';

/** Answers that say the server stored nothing and may take the same flows later. */
const RETRY_STATUSES = new Set([401, 403, 408, 421, 429, 503]);
/** Errors of a connection that was never made, so nothing was sent. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Sends flows to the server's ingest in batches (each a flow frame: the kernel's records and,
 * once, the names they need), one request at a time: when the server is slow
 * the buffer absorbs it, when it is down the buffer holds up to a bound, and whatever had to be
 * dropped is counted, never silent. Each batch is numbered (a random id for this process and a
 * sequence), and a batch whose fate is unknown (no answer came) is sent again as it was, with its
 * number, so the server stores it once; one the server answered it did not store goes back to the
 * front of the buffer, where the bound may drop its oldest flows.
 */
export class FlowShipper {
  private readonly options: Required<Omit<ShipperOptions, 'status'>> & Pick<ShipperOptions, 'status'>;
  /** Records waiting to be sent, oldest first, and how many they are. */
  private buffer: RecordBatch[] = [];
  private waiting = 0;
  /** Flows of the request on its way now. */
  private inFlight = 0;
  /** A batch that was sent with no answer: sent again, with its number, before anything else. */
  private unsure: { seq: number; batches: RecordBatch[]; count: number } | undefined;
  private readonly sender = randomBytes(9).toString('base64url');
  private seq = 0;
  private sending = false;
  private closed = false;
  /** Flows dropped: the buffer was full, or the server refused their batch for good. */
  dropped = 0;
  /** Flows the server accepted. */
  delivered = 0;
  lastError: string | undefined;
  private lastSent = 0;
  private lastStatus = 0;
  private readonly heartbeat: NodeJS.Timeout;
  /** node:http or node:https, as the URL says, and one connection kept open to the server for the batches. */
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;

  constructor(options: ShipperOptions) {
    this.options = {
      maxBuffered: 100_000,
      batchSize: MAX_BATCH_FLOWS,
      retryMs: 1_000,
      statusEveryMs: 2_000,
      heartbeatMs: 10_000,
      ...options,
    };
    this.heartbeat = setInterval(() => {
      if (this.sending || Date.now() - this.lastSent < this.options.heartbeatMs) return;
      this.sending = true;
      void this.send(++this.seq, []).finally(() => {
        this.sending = false;
        void this.drain();
      });
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
    this.transport = new URL(this.options.url).protocol === 'https:' ? https : http;
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** Flows not yet delivered: waiting, on their way, or in a batch sent again until the server answers. */
  get buffered(): number {
    return this.waiting + this.inFlight + (this.unsure?.count ?? 0);
  }

  /** Takes batches of ring buffer records with their names. */
  push(batches: readonly RecordBatch[]): void {
    for (const batch of batches) {
      this.buffer.push(batch);
      this.waiting += recordCount(batch);
    }
    this.bound();
    void this.drain();
  }

  /** Drops the oldest waiting flows past the bound, counting them. */
  private bound(): void {
    let excess = this.waiting - this.options.maxBuffered;
    while (excess > 0) {
      const oldest = this.buffer[0];
      if (!oldest) break;
      const count = recordCount(oldest);
      const gone = Math.min(count, excess);
      if (gone === count) this.buffer.shift();
      else this.buffer[0] = sliceRecords(oldest, gone);
      this.waiting -= gone;
      this.dropped += gone;
      excess -= gone;
    }
  }

  /** The oldest waiting records, at most a batch's worth. */
  private take(): { batches: RecordBatch[]; count: number } {
    const batches: RecordBatch[] = [];
    let count = 0;
    while (count < this.options.batchSize) {
      const oldest = this.buffer[0];
      if (!oldest) break;
      const room = this.options.batchSize - count;
      const size = recordCount(oldest);
      if (size <= room) {
        this.buffer.shift();
        batches.push(oldest);
        count += size;
      } else {
        batches.push(sliceRecords(oldest, 0, room));
        this.buffer[0] = sliceRecords(oldest, room);
        count += room;
      }
    }
    this.waiting -= count;
    return { batches, count };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.agent.destroy();
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while ((this.unsure || this.waiting > 0) && !this.closed) {
        const resent = this.unsure;
        const batch = resent ?? { seq: ++this.seq, ...this.take() };
        this.unsure = undefined;
        this.inFlight = batch.count;
        const outcome = await this.send(batch.seq, batch.batches).finally(() => {
          this.inFlight = 0;
        });
        if (outcome === 'stored') {
          this.delivered += batch.count;
          continue;
        }
        if (outcome === 'refused') {
          this.dropped += batch.count;
          continue;
        }
        // A batch whose fate is unknown keeps its number until the server answers: that this try
        // did not arrive says nothing of the one before, which the server may have stored.
        if (outcome === 'unknown' || resent) this.unsure = batch;
        else {
          // Not stored: back to the front, and the oldest go if that is more than the bound.
          this.buffer.unshift(...batch.batches);
          this.waiting += batch.count;
          this.bound();
        }
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs));
      }
    } finally {
      this.sending = false;
    }
  }

  /** One request to the ingest, and what became of it. */
  private async send(seq: number, batches: readonly RecordBatch[]): Promise<Outcome> {
    let status: AgentStatus | undefined;
    if (Date.now() - this.lastStatus >= this.options.statusEveryMs) {
      try {
        status = this.options.status?.();
      } catch {
        // The datapath cannot be read just now (pins not yet made): the flows go without it.
      }
    }
    const body = frameOf(
      {
        node: this.options.node,
        dropped: this.dropped,
        batch: { sender: this.sender, seq },
        ...(status ? { status } : {}),
      },
      batches,
    );
    let answer: number;
    try {
      answer = await this.post(body);
    } catch (error) {
      const { message, code } = error as NodeJS.ErrnoException;
      this.lastError = code && !message.includes(code) ? `${message} (${code})` : message;
      return code && NOT_SENT.has(code) ? 'not-stored' : 'unknown';
    }
    if (answer >= 200 && answer < 300) {
      this.lastSent = Date.now();
      if (status) this.lastStatus = this.lastSent;
      this.lastError = undefined;
      return 'stored';
    }
    this.lastError = `ingest answered ${answer}`;
    if (RETRY_STATUSES.has(answer)) return 'not-stored';
    return answer >= 500 ? 'unknown' : 'refused';
  }

  /**
   * POSTs a frame to the ingest on the kept connection; the answer's status once its body is in.
   * (node:http rather than fetch, which took about five times the CPU for a batch of 5,000 flows.)
   */
  private post(body: Buffer): Promise<number> {
    const { url, token } = this.options;
    return new Promise((resolve, reject) => {
      const request = this.transport.request(url, {
        method: 'POST',
        agent: this.agent,
        timeout: 10_000,
        headers: {
          'content-type': FLOW_FRAME_TYPE,
          'content-length': body.length,
          authorization: `Bearer ${token() ?? ''}`,
        },
      });
      request.on('timeout', () => request.destroy(new Error('no answer from the ingest within 10 s')));
      request.on('error', reject);
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      });
      request.end(body);
    });
  }
}
