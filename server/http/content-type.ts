import { HttpError } from './http-error.ts';

/** Bodies that are JSON. */
export const JSON_TYPES = ['application/json'] as const;
/** Bodies that are YAML, or JSON (`{"yaml": "…"}`). */
export const YAML_OR_JSON_TYPES = [
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
  'application/json',
] as const;

/**
 * The media type of a request's body, when it is one of `allowed` (in UTF-8); anything else is a
 * 415. Forms, multipart and text/plain are what another site's page may send without asking the
 * server first (a CORS "simple" request), so they never reach a parser.
 */
export function bodyType(header: string | null, allowed: readonly string[]): string {
  const [type = '', ...parameters] = (header ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (!allowed.includes(type)) {
    throw new HttpError(
      415,
      `the body must be ${allowed.join(' or ')}${type ? `, not ${type.slice(0, 100)}` : ' (Content-Type)'}`,
      'content-type',
    );
  }
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && !['utf-8', 'utf8', '"utf-8"'].includes(charset))
    throw new HttpError(415, `the body must be UTF-8, not ${charset.slice(0, 40)}`, 'content-type');
  return type;
}
