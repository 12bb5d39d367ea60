import 'server-only';
import { logger } from '../log.ts';
import type { AgentIdentity, Caller } from '../sources/cluster-source.ts';
import { clusterSource } from '../sources/source.ts';
import { bodyType } from './content-type.ts';
import { credentialOf } from './credential.ts';
import { errorAnswer } from './error-response.ts';
import { hostProblem } from './host-check.ts';
import { HttpError } from './http-error.ts';
import { crossOriginProblem } from './origin-check.ts';
import { readBody, readBodyBytes } from './read-body.ts';

/** A route's body: the media types it takes, its largest size, and the schema that reads it (throws FieldError). */
export interface BodySchema<B> {
  readonly types: readonly string[];
  readonly maxBytes: number;
  parse(text: string, type: string): B;
  /** Types of `types` that are not text: their bodies go to `parseBytes` as they are. */
  readonly byteTypes?: readonly string[];
  parseBytes?(bytes: Buffer, type: string): B;
}

/** A route's query: reads the parameters it takes (throws FieldError naming the parameter). */
export type QuerySchema<Q> = (params: URLSearchParams) => Q;

/** What a route answers: a Response as it is, anything else as JSON. */
type Answer = Response | object;
type Handler<I> = (input: I) => Answer | Promise<Answer>;

/** A Next.js route handler. */
export type RouteHandler = (request: Request) => Promise<Response>;

/**
 * Who may call a route. `read`: anyone who names this server in Host (DNS rebinding is refused).
 * `check`: also only this server's own pages (Origin, Sec-Fetch-Site): computes, changes nothing.
 * `write`: also a credential, checked before the body is read. `agent`: an agent's token, checked
 * before the body is read (no Host check: agents use whatever name reaches the server, and a page
 * cannot send a bearer token to another site without the server agreeing first).
 */
type Access = 'read' | 'check' | 'write' | 'agent';

interface Spec<Q, B> {
  readonly access: Access;
  readonly query?: QuerySchema<Q>;
  readonly body?: BodySchema<B>;
  /** Told the status of each request turned away (the ingest counts them). */
  readonly refused?: (status: number) => void;
}

interface Input<Q, B> {
  readonly request: Request;
  readonly query: Q;
  readonly body: B;
  readonly caller: Caller;
  readonly agent: AgentIdentity;
}

const log = logger('http');
const HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/**
 * The one guard every route goes through, in this order: Host, Origin, Content-Type, credential,
 * query, body (streamed, given up past its limit), its schema; then the route. Whatever is wrong
 * is answered with JSON `{"error", "field"}` and a 4xx (503 when storage cannot be used now);
 * nothing escapes as a crash.
 */
function guarded<Q, B>(spec: Spec<Q, B>, handle: Handler<Input<Q, B>>): RouteHandler {
  return async (request) => {
    try {
      const { headers } = request;
      const host = spec.access === 'agent' ? undefined : hostProblem(headers.get('host'));
      if (host) throw new HttpError(421, host, 'host');
      const credential = credentialOf(headers);
      if (spec.access === 'check' || spec.access === 'write') {
        const cookieOnly = spec.access === 'write' && !credential.bearer && credential.session !== undefined;
        const origin = crossOriginProblem(headers, cookieOnly);
        if (origin) throw new HttpError(403, origin, 'origin');
      }
      const type = spec.body && bodyType(headers.get('content-type'), spec.body.types);
      const caller = spec.access === 'write' ? await clusterSource().authenticate(credential) : undefined;
      const agent = spec.access === 'agent' ? await agentOf(credential.bearer) : undefined;
      const params = new ReadParams(boundedQuery(new URL(request.url).searchParams));
      const query = spec.query?.(params);
      refuseUnread(params, request);
      const body = spec.body && type !== undefined ? await parsedBody(request, spec.body, type) : undefined;
      const answer = await handle({ request, query, body, caller, agent } as Input<Q, B>);
      const response = answer instanceof Response ? answer : Response.json(answer, { headers: HEADERS });
      if (request.method !== 'HEAD') return response;
      // Next.js answers HEAD with the GET handler and never reads nor cancels the body: a stream
      // (the live flows) would hold its reader for good.
      await response.body?.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    } catch (error) {
      const { status, body } = errorAnswer(error);
      const where = { method: request.method, path: new URL(request.url).pathname, status };
      if (status >= 500 && status !== 503)
        log.error('request failed', { ...where, error: (error as Error)?.stack ?? String(error) });
      else if (spec.access !== 'read') log.warn('request refused', { ...where, ...body });
      spec.refused?.(status);
      return Response.json(body, { status, headers: HEADERS });
    }
  };
}

/** A body read within its schema's bound, then parsed as text or, for a type that is not text, as bytes. */
async function parsedBody<B>(request: Request, schema: BodySchema<B>, type: string): Promise<B> {
  if (schema.parseBytes && schema.byteTypes?.includes(type))
    return schema.parseBytes(await readBodyBytes(request, schema.maxBytes), type);
  return schema.parse(await readBody(request, schema.maxBytes), type);
}

/** The most query parameters a request may carry, and the longest name and value of one. */
const MAX_PARAMS = 64;
const MAX_NAME = 64;
const MAX_VALUE = 4096;

/** The query, when it is within the bounds every route keeps (each route's schema reads it then). */
function boundedQuery(params: URLSearchParams): URLSearchParams {
  let count = 0;
  for (const [name, value] of params) {
    if (++count > MAX_PARAMS) throw new HttpError(400, `at most ${MAX_PARAMS} query parameters`, 'query');
    if (name.length > MAX_NAME)
      throw new HttpError(400, `a query parameter's name is at most ${MAX_NAME} characters`, 'query');
    if (value.length > MAX_VALUE) throw new HttpError(400, `must be at most ${MAX_VALUE} characters`, name);
  }
  return params;
}

/** URL parameters that remember which of them a route's schema read, and which as a list. */
class ReadParams extends URLSearchParams {
  readonly read = new Set<string>();
  readonly lists = new Set<string>();
  override get(name: string): string | null {
    this.read.add(name);
    return super.get(name);
  }
  override getAll(name: string): string[] {
    this.read.add(name);
    this.lists.add(name);
    return super.getAll(name);
  }
  override has(name: string, value?: string): boolean {
    this.read.add(name);
    return super.has(name, value);
  }
}

/**
 * A parameter the route's schema did not read (a misspelt filter would otherwise be ignored and
 * answer with everything), or one given twice that is not a list: a 400 naming it.
 */
function refuseUnread(params: ReadParams, request: Request): void {
  const route = `${request.method === 'HEAD' ? 'GET' : request.method} ${new URL(request.url).pathname}`;
  const counts = new Map<string, number>();
  for (const name of params.keys()) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const [name, count] of counts) {
    if (!params.read.has(name)) {
      const takes = [...params.read];
      throw new HttpError(
        400,
        takes.length
          ? `is not a parameter of ${route}: it takes ${takes.join(', ')}`
          : `is not a parameter of ${route}: it takes none`,
        name,
      );
    }
    if (count > 1 && !params.lists.has(name))
      throw new HttpError(400, `is given ${count} times: give it once`, name);
  }
}

async function agentOf(token: string | undefined): Promise<AgentIdentity> {
  if (!token)
    throw new HttpError(401, 'an agent token is required (Authorization: Bearer …)', 'authorization');
  const agent = await clusterSource().authenticateAgent(token);
  if (!agent) throw new HttpError(401, 'the token is not an agent’s', 'authorization');
  return agent;
}

/** A route that reads: its query, if it takes one. */
export function readRoute<Q>(
  spec: { query?: QuerySchema<Q> },
  handle: Handler<{ request: Request; query: Q }>,
): RouteHandler {
  return guarded({ access: 'read', ...spec }, handle);
}

/** A route that computes from a body and changes nothing (preview, validate). */
export function checkRoute<B>(spec: { body: BodySchema<B> }, handle: Handler<{ body: B }>): RouteHandler {
  return guarded({ access: 'check', ...spec }, handle);
}

/** A JSON answer with 202 Accepted: what was asked is stored, and not yet done everywhere. */
export function accepted(body: object): Response {
  return Response.json(body, { status: 202, headers: HEADERS });
}

/** A route that changes the cluster, as the authenticated caller. */
export function writeRoute<Q, B>(
  spec: { query?: QuerySchema<Q>; body?: BodySchema<B> },
  handle: Handler<{ query: Q; body: B; caller: Caller }>,
): RouteHandler {
  return guarded({ access: 'write', ...spec }, handle);
}

/** A route for agents (the ingest), each for the nodes its token speaks for. */
export function agentRoute<B>(
  spec: { body: BodySchema<B>; refused?: (status: number) => void },
  handle: Handler<{ body: B; agent: AgentIdentity }>,
): RouteHandler {
  return guarded({ access: 'agent', ...spec }, handle);
}

/** The methods a route may take. */
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Handlers for the methods a route does not take (those it takes are `taken`): a 405 with the
 * JSON error every route answers and the `Allow` header (Next.js's own 405 has neither), and
 * OPTIONS with the same `Allow` (Next.js's own would list these handlers as taken).
 */
export function otherMethods<T extends Method>(
  ...taken: T[]
): Record<Exclude<Method, T> | 'OPTIONS', RouteHandler> {
  const all: readonly string[] = taken;
  const allow = [...taken, ...(all.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].sort().join(', ');
  const refuse: RouteHandler = async (request) =>
    Response.json(
      { error: `this route does not take ${request.method}: it takes ${taken.join(', ')}`, field: 'method' },
      { status: 405, headers: { ...HEADERS, allow } },
    );
  const options: RouteHandler = async () => new Response(null, { status: 204, headers: { allow } });
  return {
    ...Object.fromEntries(
      METHODS.filter((method) => !all.includes(method)).map((method) => [method, refuse]),
    ),
    OPTIONS: options,
  } as Record<Exclude<Method, T> | 'OPTIONS', RouteHandler>;
}
