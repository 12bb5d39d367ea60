'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import type { Flow } from '../../server/flows/flow.ts';
import { decidedByFlow } from '../../server/flows/flow-decided-by.ts';
import { kernelReasonSentence, REASON_CHOICES } from '../../server/flows/flow-reason.ts';
import { TIER_CHOICES, tierInWords } from '../../server/flows/flow-tier.ts';
import { protocolOfNumber } from '../../server/kube/protocol.ts';
import type { Verdict } from '../../server/policy/evaluate.ts';
import { fetchVerdict, VerdictView } from '../explain/verdict-view.tsx';
import { PolicyEditor } from '../policies/policy-editor.tsx';
import { Badge } from '../ui/badge.tsx';
import { Button } from '../ui/button.tsx';
import { EmptyState } from '../ui/empty-state.tsx';
import { CheckField, SelectField, TextField, Toolbar } from '../ui/field.tsx';
import { formatCount } from '../ui/format-count.ts';
import { Notice, Panel } from '../ui/panel.tsx';
import { Td, Th } from '../ui/table.tsx';
import { clock, dayAndClock } from '../ui/time-axis.ts';
import { type TimeBucket, TimeChart } from '../ui/time-chart.tsx';
import { useWidth } from '../ui/use-width.ts';
import { VerdictBadge } from '../ui/verdict.tsx';
import { FIXED_WIDTHS, flowColumns } from './flow-columns.ts';
import {
  type FlowFilter,
  flowFilterFromQuery,
  flowFilterToQuery,
  historyQuery,
  matchesFlow,
  portOfText,
  WINDOWS,
} from './flow-filter.ts';
import { decidedBy, flowsToCsv, groupFlows } from './flow-groups.ts';
import { useIsolation } from './use-isolation.ts';

/** Flows kept in the page; the table draws only the rows in view, so all of them stay cheap. */
const KEEP = 10_000;
const flowKey = (flow: Flow) =>
  `${flow.time} ${flow.node} ${flow.direction} ${flow.src}:${flow.sport} ${flow.dst}:${flow.dport}`;
const ROW_HEIGHT = 28;
const VIEW_ROWS = 22;
const portOf = (flow: Flow) => `${flow.dport}/${protocolOfNumber(flow.protocol) ?? flow.protocol}`;
const destinationOf = (flow: Flow) => `${flow.dst}:${portOf(flow)}`;

/** Offers `text` as a file to save. */
function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  URL.revokeObjectURL(url);
}

/**
 * The flows of the filter over its time window, per verdict; for all kept, since the oldest flow
 * the page holds (`oldest`, an hour when it holds none). None while another filter's are all there
 * is, or when the server refuses the filter: never another query's bars.
 */
function useHistogram(filter: FlowFilter | undefined, oldest: number | undefined): TimeBucket[] | undefined {
  const [held, setHeld] = useState<{ filter: FlowFilter; buckets?: TimeBucket[] }>();
  useEffect(() => {
    if (!filter) return;
    let stopped = false;
    const load = async () => {
      const now = Date.now();
      const span = filter.within
        ? WINDOWS[filter.within]
        : Math.max(60_000, now - (oldest ?? now - 3_600_000));
      const { within: _within, grouped: _grouped, ...rest } = filter;
      const params = new URLSearchParams(flowFilterToQuery(rest));
      params.set('since', String(now - span));
      params.set('until', String(now));
      params.set('buckets', '60');
      const body = (await (await fetch(`/api/flows/histogram?${params}`)).json()) as {
        buckets?: TimeBucket[];
      };
      if (!stopped) setHeld({ filter, buckets: body.buckets });
    };
    void load();
    const timer = setInterval(load, 5000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [filter, oldest]);
  return held && held.filter === filter ? held.buckets : undefined;
}

/**
 * Live flow verdicts (server-sent events), newest first, filtered, with what decided each (the
 * allowing policy, or the isolating ones for a denial), repeats optionally collapsed, a histogram
 * of the filter's window, export of the view, and why a flow was denied.
 */
export function FlowTable() {
  const [flows, setFlows] = useState<Flow[]>([]);
  const [dropped, setDropped] = useState(0);
  const [filter, setFilter] = useState<FlowFilter>();
  const [paused, setPaused] = useState(false);
  /** What the Port field holds, which may not be a port yet. */
  const [portText, setPortText] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [historyError, setHistoryError] = useState<string>();
  const [selected, setSelected] = useState<Flow>();
  const [explanation, setExplanation] = useState<(Verdict & { draft: string }) | { error: string }>();
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  // Minutes are enough for the histogram's start: it is not asked again at every flow.
  const oldest = useMemo(
    () => flows.reduce((min, flow) => Math.min(min, flow.time), Number.POSITIVE_INFINITY),
    [flows],
  );
  const oldestMinute = Number.isFinite(oldest) ? Math.floor(oldest / 60_000) * 60_000 : undefined;
  const portError = portOfText(portText).error;
  // A filter whose port is not one is not asked: the page shows only what is wrong with it.
  const query = portError ? undefined : filter;
  const buckets = useHistogram(query, oldestMinute);

  useEffect(() => {
    const initial = flowFilterFromQuery(window.location.search);
    setFilter(initial);
    setPortText(initial.port?.toString() ?? '');
  }, []);

  // History from the store for the query, then live flows that match it (none while paused).
  useEffect(() => {
    if (!query) return;
    window.history.replaceState(null, '', `${window.location.pathname}${flowFilterToQuery(query)}`);
    // Live flows are kept aside only until the history is in, to merge the two once.
    let live: Flow[] | undefined = [];
    setHistoryError(undefined);
    const history = new AbortController();
    void fetch(`/api/flows${historyQuery(query, Date.now(), 2000)}`, { signal: history.signal })
      .then(async (response) => {
        const body = (await response.json()) as { flows?: Flow[]; error?: string };
        if (!body.flows) throw new Error(body.error ?? `the server answered ${response.status}`);
        // Flows that came live while history loaded may be in both: each is shown once.
        const early = live ?? [];
        live = undefined;
        const shown = new Set(early.map(flowKey));
        setFlows([...early, ...body.flows.filter((flow) => !shown.has(flowKey(flow)))].slice(0, KEEP));
      })
      .catch((failure: Error) => {
        live = undefined;
        if (failure.name !== 'AbortError') setHistoryError(failure.message);
      });
    const source = new EventSource('/api/flows/stream');
    source.onmessage = (event) => {
      if (pausedRef.current) return;
      const message = JSON.parse(event.data) as { flows: Flow[]; dropped: number };
      setDropped(message.dropped);
      const now = Date.now();
      const fresh = message.flows.filter((flow) => matchesFlow(query, flow, now)).reverse();
      if (live) live = [...fresh, ...live].slice(0, KEEP);
      setFlows((current) => [...fresh, ...current].slice(0, KEEP));
    };
    return () => {
      history.abort();
      source.close();
    };
  }, [query]);

  useEffect(() => {
    if (!selected) return;
    setExplanation(undefined);
    void fetchVerdict(
      selected.src,
      selected.dst,
      `${selected.dport}/${protocolOfNumber(selected.protocol) ?? 'TCP'}`,
    ).then(setExplanation);
  }, [selected]);

  // Another query: the last one's rows and error go (a Resume keeps its rows until the history is in).
  const clear = () => {
    setFlows([]);
    setHistoryError(undefined);
  };
  const change = (next: Partial<FlowFilter>) => {
    clear();
    // Another filter may leave the opened flow out; grouping repeats only folds the rows.
    if (Object.keys(next).some((key) => key !== 'grouped')) setSelected(undefined);
    setFilter({ ...filter, ...next });
  };
  // What narrows the flows (grouping repeats only folds them).
  const narrowed = Object.entries(filter ?? {}).some(
    ([key, value]) => key !== 'grouped' && value !== undefined,
  );
  const explanationRef = useRef<HTMLDivElement>(null);
  // The explanation opens below the table: it is brought into view, or a click would seem to do nothing.
  useEffect(() => {
    if (selected) explanationRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }, [selected]);
  const rows = useMemo(
    () =>
      filter?.grouped
        ? groupFlows(flows).map((group) => ({ flow: group.flow, count: group.count }))
        : flows.map((flow) => ({ flow, count: 1 })),
    [flows, filter?.grouped],
  );
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 5);
  const visible = rows.slice(first, first + VIEW_ROWS + 10);
  // Only a NetworkPolicy denial needs the pod's isolating policies: other flows say what decided them.
  const isolation = useIsolation(
    visible.filter((row) => row.flow.pod && !decidedByFlow(row.flow)).map((row) => row.flow.pod as string),
  );
  const policyOf = (flow: Flow) => decidedBy(flow, flow.pod ? isolation.get(flow.pod) : undefined);
  // Columns as wide as their longest values; a tier column only when a tier decided some flow.
  const [frame, frameWidth] = useWidth<HTMLDivElement>(1024);
  const longest = useMemo(() => {
    const most = (length: (flow: Flow) => number) =>
      rows.reduce((max, row) => Math.max(max, length(row.flow)), 0);
    return {
      pod: most((flow) => flow.pod?.length ?? 0),
      peer: most((flow) => flow.peer?.length ?? 0),
      source: most((flow) => `${flow.src}:${flow.sport}`.length),
      destination: most((flow) => destinationOf(flow).length),
      tier: most((flow) => tierInWords(flow)?.length ?? 0),
    };
  }, [rows]);
  // The table fills the page inside its border, and is never narrower than 64rem (narrower pages scroll it sideways).
  const widths = flowColumns(longest, Math.max(frameWidth - 2, 1024), filter?.grouped === true);
  const exportRows = () => rows.map((row) => ({ ...row, policy: policyOf(row.flow) }));
  const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');
  return (
    <div className="flows-view space-y-3" ref={frame}>
      <Toolbar label="Flow filters">
        <SelectField
          label="Verdict"
          value={filter?.verdict}
          options={{ '': 'all', deny: 'denied', allow: 'allowed' }}
          onChange={(verdict) => change({ verdict: verdict as FlowFilter['verdict'] })}
        />
        <SelectField
          label="Direction"
          value={filter?.direction}
          options={{ '': 'both', ingress: 'ingress', egress: 'egress' }}
          onChange={(direction) => change({ direction: direction as FlowFilter['direction'] })}
        />
        <SelectField
          label="Reason"
          value={filter?.reason}
          options={{ '': 'any', ...REASON_CHOICES }}
          onChange={(reason) => change({ reason: (reason || undefined) as FlowFilter['reason'] })}
        />
        <SelectField
          label="Tier"
          value={filter?.tier}
          options={{ '': 'any', ...TIER_CHOICES }}
          onChange={(tier) => change({ tier: (tier || undefined) as FlowFilter['tier'] })}
        />
        <TextField
          label="Namespace"
          size={10}
          value={filter?.namespace ?? ''}
          onChange={(event) => change({ namespace: event.target.value || undefined })}
        />
        <TextField
          label="Pod"
          size={22}
          placeholder="ns/name"
          value={filter?.pod ?? ''}
          onChange={(event) => change({ pod: event.target.value || undefined })}
        />
        <TextField
          label="Port"
          size={5}
          inputMode="numeric"
          value={portText}
          error={portError}
          onChange={(event) => {
            setPortText(event.target.value);
            const { port, error } = portOfText(event.target.value);
            if (error) clear();
            else change({ port });
          }}
        />
        <SelectField
          label="Time"
          value={filter?.within}
          options={{
            '': 'all stored',
            ...Object.fromEntries(Object.keys(WINDOWS).map((window) => [window, `last ${window}`])),
          }}
          onChange={(within) => change({ within: within as FlowFilter['within'] })}
        />
        <CheckField
          label="Group repeats"
          checked={filter?.grouped === true}
          onChange={(grouped) => change({ grouped })}
        />
        <Button
          onClick={() => {
            // On Resume a copy of the filter is a query anew: its history is read again, with the
            // flows that came while paused (the rows shown stay until it is in).
            if (paused && filter) setFilter({ ...filter });
            setPaused(!paused);
          }}
        >
          {paused ? 'Resume' : 'Pause'}
        </Button>
        <div className="ml-auto flex items-end gap-2">
          <Button
            size="sm"
            onClick={() => download(`flows-${stamp()}.csv`, 'text/csv', flowsToCsv(exportRows()))}
          >
            Export CSV
          </Button>
          <Button
            size="sm"
            onClick={() =>
              download(
                `flows-${stamp()}.json`,
                'application/json',
                `${JSON.stringify(exportRows(), null, 2)}\n`,
              )
            }
          >
            Export JSON
          </Button>
        </div>
      </Toolbar>
      <Panel
        title={
          filter?.within
            ? `Flows over the last ${filter.within}`
            : oldestMinute !== undefined
              ? `Flows since ${dayAndClock(oldestMinute)}`
              : 'Flows over the last hour'
        }
        actions={
          <span className="text-sm text-muted" data-testid="flow-count">
            {`${formatCount(flows.length)} flow${flows.length === 1 ? '' : 's'}`}
            {rows.length !== flows.length &&
              ` in ${formatCount(rows.length)} group${rows.length === 1 ? '' : 's'}`}
            {dropped > 0 ? `, ${dropped} not shown (the page fell behind)` : ''}
          </span>
        }
      >
        {buckets ? (
          <TimeChart buckets={buckets} label="Flows of this filter over time" />
        ) : (
          <div className="h-36" />
        )}
      </Panel>
      {historyError && <Notice tone="error">Cannot load the stored flows: {historyError}</Notice>}
      {rows.length === 0 ? (
        // A query that is not right is not a lack of flows: what is wrong with it says it all.
        !historyError &&
        !portError &&
        (narrowed ? (
          <EmptyState title="No flow matches these filters">
            <Button
              size="sm"
              onClick={() => {
                setPortText('');
                // Every filter goes; grouping repeats stays as chosen.
                const narrowing = Object.keys(filter ?? {}).filter((key) => key !== 'grouped');
                change(Object.fromEntries(narrowing.map((key) => [key, undefined])));
              }}
            >
              Clear filters
            </Button>
          </EmptyState>
        ) : (
          <EmptyState title="No flows yet">
            Flows show here as the agents report them: send some traffic between pods, for example{' '}
            <code>palisade lab exec NS/POD -- curl --max-time 3 SERVICE</code>
          </EmptyState>
        ))
      ) : (
        <div
          className="overflow-auto rounded-lg border border-line bg-surface"
          style={{ maxHeight: ROW_HEIGHT * (VIEW_ROWS + 1) + 2 }}
          onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        >
          <table
            className="w-full min-w-[64rem] table-fixed border-collapse text-left text-xs"
            data-testid="flows"
          >
            <thead>
              {/* Every column as wide as its values: "decided by" takes the rest (its title holds a long list whole). */}
              <tr className="[&>th]:px-2 [&>th]:whitespace-nowrap">
                <Th style={{ width: FIXED_WIDTHS.time }}>time</Th>
                <Th style={{ width: widths.pod }}>pod</Th>
                <Th style={{ width: FIXED_WIDTHS.direction }}>direction</Th>
                <Th style={{ width: FIXED_WIDTHS.verdict }}>verdict</Th>
                <Th style={{ width: widths.source }}>source</Th>
                <Th style={{ width: widths.destination }}>destination</Th>
                <Th style={{ width: widths.peer }}>peer pod</Th>
                {widths.tier > 0 && <Th style={{ width: widths.tier }}>tier</Th>}
                <Th>decided by</Th>
                {filter?.grouped && (
                  <Th className="text-right" style={{ width: FIXED_WIDTHS.count }}>
                    count
                  </Th>
                )}
              </tr>
            </thead>
            <tbody>
              {first > 0 && <tr style={{ height: first * ROW_HEIGHT }} aria-hidden />}
              {visible.map(({ flow, count }) => (
                <tr
                  key={filter?.grouped ? `${flowKey(flow)} ${count}` : flowKey(flow)}
                  style={{ height: ROW_HEIGHT }}
                  // No padding: every row is ROW_HEIGHT tall, as the spacers above and below count them.
                  className={`flow-${flow.verdict} cursor-pointer hover:bg-raised [&>td]:px-2 [&>td]:py-0 ${flow === selected ? 'bg-accent-soft' : ''}`}
                  onClick={() => setSelected(flow)}
                  onKeyDown={(event) => event.key === 'Enter' && setSelected(flow)}
                  tabIndex={0}
                >
                  <Td className="whitespace-nowrap font-mono text-xs">{clock(flow.time, true)}</Td>
                  <Td className="truncate" title={flow.pod}>
                    {flow.pod ?? '?'}
                  </Td>
                  <Td>{flow.direction}</Td>
                  <Td>
                    <VerdictBadge state={flow.verdict === 'allow' ? 'allowed' : 'denied'}>
                      {flow.verdict}
                    </VerdictBadge>
                  </Td>
                  <Td className="truncate font-mono text-[11px]" title={`${flow.src}:${flow.sport}`}>
                    {flow.src}:{flow.sport}
                  </Td>
                  <Td className="truncate font-mono text-[11px]" title={destinationOf(flow)}>
                    {/* A long address is cut, never the port after it. */}
                    <span
                      className="inline-block truncate align-bottom"
                      style={{ maxWidth: `calc(100% - ${portOf(flow).length + 1}ch)` }}
                    >
                      {flow.dst}
                    </span>
                    :{portOf(flow)}
                  </Td>
                  <Td className="truncate" title={flow.peer}>
                    {flow.peer ?? ''}
                  </Td>
                  {widths.tier > 0 && (
                    <Td className="truncate" title={tierInWords(flow)}>
                      {tierInWords(flow) ?? <span className="text-muted">–</span>}
                    </Td>
                  )}
                  <Td
                    className={`truncate ${flow.verdict === 'deny' ? 'text-deny' : 'text-muted'}`}
                    title={policyOf(flow)}
                  >
                    {policyOf(flow)}
                  </Td>
                  {filter?.grouped && (
                    <Td className="text-right">
                      <Badge tone={count > 1 ? 'accent' : 'neutral'}>×{count}</Badge>
                    </Td>
                  )}
                </tr>
              ))}
              {first + visible.length < rows.length && (
                <tr style={{ height: (rows.length - first - visible.length) * ROW_HEIGHT }} aria-hidden />
              )}
            </tbody>
          </table>
        </div>
      )}
      {selected && (
        <div ref={explanationRef} className="scroll-mt-4">
          <Panel
            testId="explanation"
            title={
              <span className="font-mono">
                {selected.src} → {selected.dst}:{selected.dport}
              </span>
            }
          >
            <div className="space-y-4">
              {kernelReasonSentence(selected) && (
                <div data-testid="flow-reason">
                  <Notice tone={selected.verdict === 'deny' ? 'warn' : 'info'}>
                    <strong>The kernel: </strong>
                    {kernelReasonSentence(selected)}
                    {selected.verdict === 'deny' && ' What the policies say of this connection follows.'}
                  </Notice>
                </div>
              )}
              {!explanation && <p className="text-sm text-muted">Asking the policy model…</p>}
              {explanation && 'error' in explanation && <Notice tone="error">{explanation.error}</Notice>}
              {explanation && 'egress' in explanation && <VerdictView verdict={explanation} />}
              {explanation && 'draft' in explanation && explanation.draft && (
                <PolicyEditor
                  key={explanation.draft}
                  initial={explanation.draft}
                  title="Draft a policy that would allow this"
                />
              )}
            </div>
          </Panel>
        </div>
      )}
    </div>
  );
}
