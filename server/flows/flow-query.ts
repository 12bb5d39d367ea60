import { REASONS, TIERS } from '../../agent/datapath/layout.ts';
import { queryOf } from '../http/query.ts';
import { FieldError } from '../kube/field-error.ts';
import type { FlowQuery } from './flow-store.ts';

/**
 * Reads a flow query from URL parameters; a bad value is an error naming the parameter. Without
 * `limited` (a stream, a histogram) there is no `limit` to read, and one given is refused.
 */
export function parseFlowQuery(params: URLSearchParams, limited = true): FlowQuery {
  const query = queryOf(params);
  const family = query.choice('family', ['4', '6']);
  const since = query.number('since', 0, Number.MAX_SAFE_INTEGER);
  const until = query.number('until', 0, Number.MAX_SAFE_INTEGER);
  if (since !== undefined && until !== undefined && since > until)
    throw new FieldError('since', 'must not be after until');
  return {
    verdict: query.choice('verdict', ['allow', 'deny']),
    direction: query.choice('direction', ['ingress', 'egress']),
    reason: query.choice('reason', REASONS),
    tier: query.choice('tier', TIERS),
    family: family === undefined ? undefined : family === '6' ? 6 : 4,
    namespace: query.namespace('namespace'),
    pod: query.key('pod'),
    service: query.key('service'),
    port: query.number('port', 0, 65535, true),
    since,
    until,
    limit: limited ? query.number('limit', 1, 10_000, true) : undefined,
  };
}
