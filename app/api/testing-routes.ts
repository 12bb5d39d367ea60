import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * For tests of the route handlers, called as functions with Request objects, as Next.js calls
 * them: a simulated lab of the walkthrough in a folder of its own, the server's data in another,
 * its API token, two agents' tokens, and every route's exported handlers by path. Importing this
 * sets PALISADE_LAB_DIR and PALISADE_DATA_DIR, so it must come before anything that reads them.
 */
process.env.PALISADE_LAB_DIR = mkdtempSync(join(tmpdir(), 'palisade-routes-lab-'));
process.env.PALISADE_DATA_DIR = mkdtempSync(join(tmpdir(), 'palisade-routes-data-'));
process.env.PALISADE_ALLOWED_HOSTS = 'palisade.example.com';
delete process.env.PALISADE_CLUSTER;
delete process.env.PALISADE_API_TOKEN_FILE;

const { labUp } = await import('../../agent/lab/lab.ts');
const { labFile, writeJson } = await import('../../server/lab/lab-store.ts');
const { ensureApiToken } = await import('../../server/http/api-token.ts');
const { flowStore } = await import('../../server/flows/flow-service.ts');

await labUp(undefined, { simulated: true });
/** Each lab node's agent token. */
export const AGENT_TOKENS = { 'lab-node-1': 'agent-token-of-node-1', 'lab-node-2': 'agent-token-of-node-2' };
writeJson('tokens.json', AGENT_TOKENS, 0o600);
/** The API token lab writes need. */
export const API_TOKEN = ensureApiToken();

type Handler = (request: Request) => Promise<Response>;
/** The methods a route can be called with (Next.js answers HEAD and OPTIONS itself). */
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];
type Methods = Partial<Record<Method | 'OPTIONS', Handler>>;

/** Every route's handlers, by the path Next.js serves them at. */
export const ROUTES: Record<string, Methods> = {
  '/api/explain': await import('./explain/route.ts'),
  '/api/flows': await import('./flows/route.ts'),
  '/api/flows/histogram': await import('./flows/histogram/route.ts'),
  '/api/flows/stream': await import('./flows/stream/route.ts'),
  '/api/graph': await import('./graph/route.ts'),
  '/api/ingest': await import('./ingest/route.ts'),
  '/api/isolation': await import('./isolation/route.ts'),
  '/api/nodes': await import('./nodes/route.ts'),
  '/api/overview': await import('./overview/route.ts'),
  '/api/policies': await import('./policies/route.ts'),
  '/api/policies/preview': await import('./policies/preview/route.ts'),
  '/api/policies/suggest': await import('./policies/suggest/route.ts'),
  '/api/policies/validate': await import('./policies/validate/route.ts'),
  '/healthz': await import('../healthz/route.ts'),
  '/metrics': await import('../metrics/route.ts'),
};

/** The handler of `method` at `path`. */
export function handler(path: string, method: Method): Handler {
  const found = ROUTES[path]?.[method];
  if (!found) throw new Error(`no ${method} ${path}`);
  return found;
}

/** What a request could change: the lab's objects and PolicyEndpoints, the stored flows, the API token. */
export function snapshot(): string {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  return JSON.stringify([
    read(labFile('objects.json')),
    read(labFile('endpoints.json')),
    flowStore().count(),
    ensureApiToken(),
  ]);
}

/** The headers of a request from the dashboard's own page at 127.0.0.1:3000, signed in. */
export const FROM_PAGE = {
  host: '127.0.0.1:3000',
  origin: 'http://127.0.0.1:3000',
  'sec-fetch-site': 'same-origin',
  cookie: `palisade-session=${API_TOKEN}`,
};

/** A request to `path` (with its query) at 127.0.0.1:3000. */
export function request(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: BodyInit,
): Request {
  return new Request(`http://127.0.0.1:3000${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body, duplex: 'half' }),
  } as RequestInit);
}
