import 'server-only';
import { FieldError } from '../kube/field-error.ts';
import { AccessError } from '../kube-api/access-review.ts';
import { PolicyBodyError } from '../policy/policy-body.ts';
import { SourceError } from './cluster-source.ts';

/** The JSON error answer for what a route's input or caller got wrong; anything else is rethrown. */
export function sourceFailure(error: unknown): Response {
  if (error instanceof PolicyBodyError) {
    return Response.json({ error: error.message, field: error.field, ...error.at }, { status: 400 });
  }
  if (error instanceof FieldError || error instanceof SourceError) {
    const status = error instanceof SourceError ? error.status : 400;
    return Response.json({ error: error.message, field: error.field }, { status });
  }
  if (error instanceof AccessError) return Response.json({ error: error.message }, { status: error.status });
  throw error;
}
