import 'server-only';
import { storeUnavailable } from '../flows/store-unavailable.ts';
import { FieldError } from '../kube/field-error.ts';
import { AccessError } from '../kube-api/access-review.ts';
import { PolicyBodyError } from '../policy/policy-body.ts';
import { SourceError } from '../sources/cluster-source.ts';
import { ApiTokenError } from './api-token.ts';
import { HttpError } from './http-error.ts';

/** The JSON answer of an error: what the caller got wrong (4xx), or what cannot be done now (503). */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: {
    readonly error: string;
    readonly field?: string;
    readonly document?: number;
    readonly line?: number;
  };
}

/**
 * What to answer for an error a route met: bad input names its field; a store that is locked or on a
 * full disk is a 503 (nothing was stored, try again). Anything else is the server's own fault: a 500
 * that says no more than that (the log has the rest).
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof PolicyBodyError)
    return { status: 400, body: { error: error.message, field: error.field, ...error.at } };
  if (error instanceof SourceError) {
    const at = error.document === undefined ? {} : { document: error.document };
    return { status: error.status, body: { error: error.message, field: error.field, ...at } };
  }
  if (error instanceof HttpError)
    return { status: error.status, body: { error: error.message, field: error.field } };
  if (error instanceof FieldError) return { status: 400, body: { error: error.message, field: error.field } };
  if (error instanceof AccessError)
    return { status: error.status, body: { error: error.message, field: 'authorization' } };
  if (error instanceof ApiTokenError) return { status: 503, body: { error: error.message } };
  const unavailable = storeUnavailable(error);
  if (unavailable)
    return { status: 503, body: { error: `cannot store or read now: ${unavailable}; try again` } };
  return { status: 500, body: { error: 'the server failed on this request (see its log)' } };
}
