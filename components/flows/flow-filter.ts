import type { Flow } from '../../server/flows/flow.ts';
import { REASON_CHOICES } from '../../server/flows/flow-reason.ts';
import type { FlowQuery } from '../../server/flows/flow-store.ts';
import { TIER_CHOICES } from '../../server/flows/flow-tier.ts';

/** The flows page's view; every field is also a URL parameter, so a view can be shared. */
export interface FlowFilter
  extends Pick<FlowQuery, 'verdict' | 'direction' | 'reason' | 'tier' | 'namespace' | 'pod' | 'port'> {
  /** How far back: `5m`, `1h`, `24h`; all kept history when absent. */
  readonly within?: keyof typeof WINDOWS;
  /** Repeated flows collapsed into one row with a count. */
  readonly grouped?: boolean;
}

export const WINDOWS = { '5m': 5 * 60_000, '1h': 3_600_000, '24h': 86_400_000 } as const;

export function flowFilterFromQuery(query: string): FlowFilter {
  const params = new URLSearchParams(query);
  const pick = <T extends string>(name: string, allowed: readonly T[]) => {
    const value = params.get(name);
    return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
  };
  const port = Number(params.get('port'));
  const filter: Record<string, unknown> = {
    verdict: pick('verdict', ['allow', 'deny']),
    direction: pick('direction', ['ingress', 'egress']),
    reason: pick('reason', Object.keys(REASON_CHOICES) as (keyof typeof REASON_CHOICES)[]),
    tier: pick('tier', Object.keys(TIER_CHOICES) as (keyof typeof TIER_CHOICES)[]),
    namespace: params.get('namespace') || undefined,
    pod: params.get('pod') || undefined,
    port: params.get('port') && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined,
    within: pick('within', Object.keys(WINDOWS) as (keyof typeof WINDOWS)[]),
    grouped: params.get('grouped') === '1' || undefined,
  };
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as FlowFilter;
}

export function flowFilterToQuery(filter: FlowFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter))
    if (value !== undefined && value !== '' && value !== false)
      params.set(key, value === true ? '1' : String(value));
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** The query of `GET /api/flows` for the filter's history, as of `now`. */
export function historyQuery(filter: FlowFilter, now: number, limit: number): string {
  const { within, grouped: _grouped, ...rest } = filter;
  const params = new URLSearchParams(flowFilterToQuery(rest));
  if (within) params.set('since', String(now - WINDOWS[within]));
  params.set('limit', String(limit));
  return `?${params}`;
}

/** Whether a live flow belongs in the view (the same rules as the server's query). */
export function matchesFlow(filter: FlowFilter, flow: Flow, now: number): boolean {
  return (
    (!filter.verdict || flow.verdict === filter.verdict) &&
    (!filter.direction || flow.direction === filter.direction) &&
    (!filter.reason || flow.reason === filter.reason) &&
    // As the store reads them, flows that do not say their tier are None.
    (!filter.tier || (flow.tier ?? 'None') === filter.tier) &&
    (!filter.namespace || flow.pod?.startsWith(`${filter.namespace}/`) === true) &&
    (!filter.pod || flow.pod === filter.pod) &&
    (filter.port === undefined || flow.dport === filter.port) &&
    (!filter.within || flow.time >= now - WINDOWS[filter.within])
  );
}
