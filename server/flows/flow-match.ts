import type { Flow } from './flow.ts';
import type { FlowQuery } from './flow-store.ts';

/**
 * Whether a flow answers a query, by the rules the store's query applies in SQL (its `limit`
 * aside): for live flows, which are filtered as they come rather than read from the store.
 */
export function flowMatches(query: FlowQuery, flow: Flow): boolean {
  return (
    (!query.verdict || flow.verdict === query.verdict) &&
    (!query.direction || flow.direction === query.direction) &&
    (!query.reason || flow.reason === query.reason) &&
    // As the store reads them, flows that do not say their tier are None.
    (!query.tier || (flow.tier ?? 'None') === query.tier) &&
    (!query.family || (flow.family ?? 4) === query.family) &&
    (!query.namespace || flow.pod?.startsWith(`${query.namespace}/`) === true) &&
    (!query.pod || flow.pod === query.pod) &&
    (!query.service || flow.service === query.service) &&
    (query.port === undefined || flow.dport === query.port) &&
    (query.since === undefined || flow.time >= query.since) &&
    (query.until === undefined || flow.time <= query.until)
  );
}
