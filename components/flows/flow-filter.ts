import type { Flow } from '../../server/flows/flow.ts';
import { flowMatches } from '../../server/flows/flow-match.ts';
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
  const filter: Record<string, unknown> = {
    verdict: pick('verdict', ['allow', 'deny']),
    direction: pick('direction', ['ingress', 'egress']),
    reason: pick('reason', Object.keys(REASON_CHOICES) as (keyof typeof REASON_CHOICES)[]),
    tier: pick('tier', Object.keys(TIER_CHOICES) as (keyof typeof TIER_CHOICES)[]),
    namespace: params.get('namespace') || undefined,
    pod: params.get('pod') || undefined,
    port: portOfText(params.get('port') ?? '').port,
    within: pick('within', Object.keys(WINDOWS) as (keyof typeof WINDOWS)[]),
    grouped: params.get('grouped') === '1' || undefined,
  };
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as FlowFilter;
}

/** The port a Port field's text asks for: none when it is empty, an error when it is not a port. */
export function portOfText(text: string): { port?: number; error?: string } {
  if (text.trim() === '') return {};
  const port = Number(text);
  return /^\s*\d+\s*$/.test(text) && port <= 65535 ? { port } : { error: 'must be 0–65535' };
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

/** Whether a live flow belongs in the view: the server's query rules, and the time window. */
export function matchesFlow(filter: FlowFilter, flow: Flow, now: number): boolean {
  const { within, grouped: _grouped, ...query } = filter;
  return flowMatches({ ...query, ...(within ? { since: now - WINDOWS[within] } : {}) }, flow);
}
