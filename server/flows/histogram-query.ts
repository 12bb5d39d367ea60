import { queryOf } from '../http/query.ts';
import { FieldError } from '../kube/field-error.ts';
import { parseFlowQuery } from './flow-query.ts';
import type { FlowQuery } from './flow-store.ts';

/**
 * A histogram's question from URL parameters: the flow filters, `since`/`until` (the last hour
 * before now when absent) and `buckets` (60 when absent, at most 240, and at most one a millisecond).
 */
export function parseHistogramQuery(
  params: URLSearchParams,
  now: number,
): { query: FlowQuery & { since: number; until: number }; buckets: number } {
  const query = parseFlowQuery(params, false);
  const until = query.until ?? now;
  const since = query.since ?? until - 3_600_000;
  if (since >= until) throw new FieldError('since', 'must be before until');
  const asked = queryOf(params).number('buckets', 1, 240, true) ?? 60;
  // A bucket is a millisecond at least (the store's times are milliseconds): a shorter range has fewer.
  const buckets = Math.max(1, Math.min(asked, Math.floor(until - since)));
  return { query: { ...query, since, until }, buckets };
}
