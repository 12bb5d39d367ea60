import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** An answer of the API server that is not a success. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: number;
  /** What the API server said, without the request line (for the caller of a write). */
  readonly reason: string;
  /** The field the API server named as the cause, when it named one (an invalid object). */
  readonly field?: string;
  constructor(code: number, message: string, reason = message, field?: string) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.field = field;
  }
}

/** A request gets this long to be answered whole (lists of thousands of objects included). */
const TIMEOUT_MS = 60_000;

const agents = new Map<string, HttpsAgent>();

/**
 * One keep-alive agent per TLS identity. client-node's `applyToHTTPSOptions` makes a new agent
 * for every request, which costs a TLS handshake each time, on both sides.
 */
function agentFor(options: RequestOptions): HttpsAgent {
  const tls = {
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    rejectUnauthorized: options.rejectUnauthorized,
    servername: options.servername,
  };
  const key = JSON.stringify(Object.values(tls).map((value) => (value === undefined ? null : String(value))));
  const agent = agents.get(key) ?? new HttpsAgent({ keepAlive: true, ...tls });
  agents.set(key, agent);
  return agent;
}

/** Asks the API server to answer with the object's metadata only (a `meta.k8s.io/v1` PartialObjectMetadata). */
export const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/** How to send one request to the API server: its URL, options (credentials, keep-alive agent) and sender. */
export async function requestTo(
  config: KubeConfig,
  method: string,
  path: string,
  accept: string,
  contentType?: string,
  bearer?: string,
): Promise<{ url: URL; options: RequestOptions; send: typeof httpsRequest }> {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const url = new URL(path, cluster.server);
  const options: RequestOptions = { method, headers: { accept }, timeout: TIMEOUT_MS };
  await config.applyToHTTPSOptions(options);
  const { Authorization: own, ...headers } = (options.headers ?? {}) as Record<string, string>;
  options.headers = {
    ...headers,
    authorization: bearer ? `Bearer ${bearer}` : own,
    ...(contentType ? { 'content-type': contentType } : {}),
  };
  if (!options.headers.authorization) delete options.headers.authorization;
  if (bearer) {
    // The caller's token alone speaks for the request: no client certificate of the server's.
    options.cert = undefined;
    options.key = undefined;
  }
  // Through a proxy (the kubeconfig's proxy-url), client-node's agent makes the tunnel.
  if (url.protocol === 'https:' && !cluster.proxyUrl) options.agent = agentFor(options);
  return { url, options, send: url.protocol === 'http:' ? httpRequest : httpsRequest };
}

/** The API server's message in an error answer (a Status object), or the answer as it is. */
export function statusMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}

/** The field a Status names as the first cause of a refusal (`spec.ingress[0].ports[0].port`). */
function causeField(text: string): string | undefined {
  try {
    const field = (JSON.parse(text) as { details?: { causes?: { field?: unknown }[] } }).details?.causes?.[0]
      ?.field;
    return typeof field === 'string' && field !== '' ? field : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A request to the API server answered as plain JSON, exactly as the server wrote it (the typed
 * clients rename fields, e.g. a NetworkPolicy rule's `from` becomes `_from`). With `bearer`, it is
 * made with that token instead of the kubeconfig's credentials: as the caller, with their rights.
 * With `metadataOnly`, the answer is the object's metadata alone, which spares both sides the
 * encoding and decoding of a large object the caller already has.
 */
export async function rawRequest<T>(
  config: KubeConfig,
  method: string,
  path: string,
  body?: { contentType: string; data: string },
  bearer?: string,
  metadataOnly = false,
): Promise<T> {
  const accept = metadataOnly ? METADATA_ONLY : 'application/json';
  const { url, options, send } = await requestTo(config, method, path, accept, body?.contentType, bearer);
  return new Promise<T>((resolve, reject) => {
    const req = send(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(new ApiError(status, `${method} ${url.pathname}: the answer is not JSON`));
          }
          return;
        }
        const reason = statusMessage(text);
        reject(
          new ApiError(status, `${method} ${url.pathname}: ${status} ${reason}`, reason, causeField(text)),
        );
      });
      response.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${url.pathname}: no answer within ${TIMEOUT_MS / 1000}s`)),
    );
    req.end(body?.data);
  });
}

/**
 * Creates an object (a POST to its collection, `path` being the object's own path) as
 * `fieldManager`; with `metadataOnly` the answer holds only the created object's metadata.
 */
export function createObject<T>(
  config: KubeConfig,
  path: string,
  object: object,
  fieldManager: string,
  options: { metadataOnly?: boolean } = {},
): Promise<T> {
  return rawRequest<T>(
    config,
    'POST',
    `${path.slice(0, path.lastIndexOf('/'))}?fieldManager=${encodeURIComponent(fieldManager)}`,
    { contentType: 'application/json', data: JSON.stringify(object) },
    undefined,
    options.metadataOnly,
  );
}

/**
 * Changes an object by a JSON merge patch (RFC 7386) as `fieldManager`; with `metadataOnly` the
 * answer holds only the changed object's metadata.
 */
export function mergePatchObject<T>(
  config: KubeConfig,
  path: string,
  patch: unknown,
  fieldManager: string,
  options: { metadataOnly?: boolean } = {},
): Promise<T> {
  return rawRequest<T>(
    config,
    'PATCH',
    `${path}?fieldManager=${encodeURIComponent(fieldManager)}`,
    { contentType: 'application/merge-patch+json', data: JSON.stringify(patch) },
    undefined,
    options.metadataOnly,
  );
}

/**
 * Server-side apply of a whole object, as `fieldManager`, taking over fields others set; with
 * `dryRun` the API server validates and authorizes it without storing it.
 */
export function applyObject<T>(
  config: KubeConfig,
  path: string,
  object: object,
  fieldManager: string,
  options: { dryRun?: boolean; bearer?: string } = {},
): Promise<T> {
  const dryRun = options.dryRun ? '&dryRun=All' : '';
  return rawRequest<T>(
    config,
    'PATCH',
    `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true${dryRun}`,
    { contentType: 'application/apply-patch+yaml', data: JSON.stringify(object) },
    options.bearer,
  );
}
