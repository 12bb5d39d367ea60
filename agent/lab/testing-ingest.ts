import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Flow } from '../../server/flows/flow.ts';
import { FlowStore } from '../../server/flows/flow-store.ts';
import { ingest } from '../../server/flows/ingest.ts';
import { INGEST_BODY } from '../../server/http/bodies.ts';
import { agentRoute } from '../../server/http/route.ts';
import { startLab, stopLab } from './testing-lab.ts';

export interface ServerIngest {
  /** The store the ingest writes, read as the server reads it. */
  readonly store: FlowStore;
  close(): void;
}

/**
 * The server's ingest in this process, on loopback, for the lab's agents to ship their flows to:
 * the server's guard (each agent's token, checked before the body is read, the body's limits),
 * its ingest and its flow store (in a folder of its own). Sets PALISADE_INGEST_URL, so the agents
 * of a lab started after this ship there.
 */
export async function startServerIngest(): Promise<ServerIngest> {
  const store = new FlowStore(join(mkdtempSync(join(tmpdir(), 'palisade-ingest-')), 'flows.sqlite'));
  const route = agentRoute({ body: INGEST_BODY }, ({ body, agent }) => ingest({ store }, body, agent));
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers))
        if (typeof value === 'string') headers.set(name, value);
      const answer = await route(
        new Request(`http://127.0.0.1${request.url}`, {
          method: 'POST',
          headers,
          body: Buffer.concat(chunks),
        }),
      );
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.PALISADE_INGEST_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ingest`;
  return {
    store,
    close() {
      delete process.env.PALISADE_INGEST_URL;
      server.close();
      store.close();
    },
  };
}

/** The first stored flow since `since` that `matches`, waiting up to `ms` for the agents to ship it. */
export async function storedFlow(
  ingest: ServerIngest,
  since: number,
  matches: (flow: Flow) => boolean,
  ms = 5000,
): Promise<Flow | undefined> {
  for (const end = Date.now() + ms; ; ) {
    const found = ingest.store.query({ since, limit: 10_000 }).find(matches);
    if (found || Date.now() > end) return found;
    await sleep(100);
  }
}

/**
 * For a test file: before its tests, the server's ingest and then the lab (whose agents ship
 * there); after them, both gone. Returns the ingest, once it is up.
 */
export function labShippingToServer(): () => ServerIngest {
  let ingest: ServerIngest | undefined;
  before(async () => {
    ingest = await startServerIngest();
    await startLab();
  });
  after(async () => {
    await stopLab();
    ingest?.close();
  });
  return () => {
    if (!ingest) throw new Error('the server’s ingest is not up');
    return ingest;
  };
}
