'use client';

import { useEffect, useRef, useState } from 'react';
import type { Flow } from '../../server/flows/flow.ts';
import { protocolOfNumber } from '../../server/kube/protocol.ts';
import type { Verdict } from '../../server/policy/evaluate.ts';
import { Choice } from '../choice.tsx';
import { fetchVerdict, VerdictView } from '../explain/verdict-view.tsx';
import { PolicyEditor } from '../policies/policy-editor.tsx';

import {
  type FlowFilter,
  flowFilterFromQuery,
  flowFilterToQuery,
  historyQuery,
  matchesFlow,
  WINDOWS,
} from './flow-filter.ts';

/** Flows kept in the page; the table draws only the rows in view, so all of them stay cheap. */
const KEEP = 10_000;
const flowKey = (flow: Flow) =>
  `${flow.time} ${flow.node} ${flow.direction} ${flow.src}:${flow.sport} ${flow.dst}:${flow.dport}`;
const ROW_HEIGHT = 26;
const VIEW_ROWS = 24;

/** Live flow verdicts (server-sent events), newest first, filtered, with why a flow was denied. */
export function FlowTable() {
  const [flows, setFlows] = useState<Flow[]>([]);
  const [dropped, setDropped] = useState(0);
  const [filter, setFilter] = useState<FlowFilter>();
  const [paused, setPaused] = useState(false);
  const [scrollTop, setScrollTop] = useState(0);
  const [historyError, setHistoryError] = useState<string>();
  const [selected, setSelected] = useState<Flow>();
  const [explanation, setExplanation] = useState<(Verdict & { draft: string }) | { error: string }>();
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => setFilter(flowFilterFromQuery(window.location.search)), []);

  // History from the store for the filter, then live flows that match it.
  useEffect(() => {
    if (!filter) return;
    window.history.replaceState(null, '', `${window.location.pathname}${flowFilterToQuery(filter)}`);
    // Live flows are kept aside only until the history is in, to merge the two once.
    let live: Flow[] | undefined = [];
    setFlows([]);
    setHistoryError(undefined);
    const history = new AbortController();
    void fetch(`/api/flows${historyQuery(filter, Date.now(), 2000)}`, { signal: history.signal })
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
      const fresh = message.flows.filter((flow) => matchesFlow(filter, flow, now)).reverse();
      if (live) live = [...fresh, ...live].slice(0, KEEP);
      setFlows((current) => [...fresh, ...current].slice(0, KEEP));
    };
    return () => {
      history.abort();
      source.close();
    };
  }, [filter]);

  useEffect(() => {
    if (!selected) return;
    setExplanation(undefined);
    void fetchVerdict(
      selected.src,
      selected.dst,
      `${selected.dport}/${protocolOfNumber(selected.protocol) ?? 'TCP'}`,
    ).then(setExplanation);
  }, [selected]);

  const change = (next: Partial<FlowFilter>) => setFilter({ ...filter, ...next });
  const shown = flows;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 5);
  const visible = shown.slice(first, first + VIEW_ROWS + 10);
  return (
    <section className="flows-view">
      <div className="toolbar">
        <Choice
          label="Verdict"
          value={filter?.verdict}
          options={{ '': 'all', deny: 'denied', allow: 'allowed' }}
          onChange={(verdict) => change({ verdict })}
        />
        <Choice
          label="Direction"
          value={filter?.direction}
          options={{ '': 'both', ingress: 'ingress', egress: 'egress' }}
          onChange={(direction) => change({ direction })}
        />
        <label>
          Namespace{' '}
          <input
            size={10}
            value={filter?.namespace ?? ''}
            onChange={(event) => change({ namespace: event.target.value || undefined })}
          />
        </label>
        <label>
          Pod{' '}
          <input
            size={22}
            placeholder="ns/name"
            value={filter?.pod ?? ''}
            onChange={(event) => change({ pod: event.target.value || undefined })}
          />
        </label>
        <label>
          Port{' '}
          <input
            size={5}
            inputMode="numeric"
            value={filter?.port ?? ''}
            onChange={(event) => {
              const port = Number(event.target.value);
              change({ port: event.target.value && Number.isInteger(port) ? port : undefined });
            }}
          />
        </label>
        <Choice
          label="Time"
          value={filter?.within}
          options={{
            '': 'all kept',
            ...Object.fromEntries(Object.keys(WINDOWS).map((window) => [window, `last ${window}`])),
          }}
          onChange={(within) => change({ within })}
        />
        <button type="button" onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <span>
          {shown.length} flows{dropped > 0 ? `, ${dropped} not shown (the page fell behind)` : ''}
        </span>
      </div>
      {historyError && <p role="alert">Cannot load the stored flows: {historyError}</p>}
      {shown.length === 0 ? (
        <p>
          No flows yet. Send some:{' '}
          <code>palisade lab exec default/client-one -- curl --max-time 3 demo-app</code>
        </p>
      ) : (
        <div
          className="flows-scroll"
          style={{ height: ROW_HEIGHT * (Math.min(shown.length, VIEW_ROWS) + 1) + 2 }}
          onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        >
          <table className="flows" data-testid="flows">
            <thead>
              <tr>
                <th>time</th>
                <th>pod</th>
                <th>direction</th>
                <th>verdict</th>
                <th>source</th>
                <th>destination</th>
                <th>peer pod</th>
                <th>policy</th>
              </tr>
            </thead>
            <tbody>
              {first > 0 && <tr style={{ height: first * ROW_HEIGHT }} aria-hidden />}
              {visible.map((flow) => (
                <tr
                  key={flowKey(flow)}
                  className={`flow-${flow.verdict}${flow === selected ? ' selected' : ''}`}
                  onClick={() => setSelected(flow)}
                  onKeyDown={(event) => event.key === 'Enter' && setSelected(flow)}
                  tabIndex={0}
                >
                  <td>{new Date(flow.time).toLocaleTimeString()}</td>
                  <td>{flow.pod ?? '?'}</td>
                  <td>{flow.direction}</td>
                  <td>{flow.verdict}</td>
                  <td>
                    {flow.src}:{flow.sport}
                  </td>
                  <td>
                    {flow.dst}:{flow.dport}/{protocolOfNumber(flow.protocol) ?? flow.protocol}
                  </td>
                  <td>{flow.peer ?? ''}</td>
                  <td>{flow.policy ?? (flow.verdict === 'allow' ? 'not isolated' : '')}</td>
                </tr>
              ))}
              {first + visible.length < shown.length && (
                <tr style={{ height: (shown.length - first - visible.length) * ROW_HEIGHT }} aria-hidden />
              )}
            </tbody>
          </table>
        </div>
      )}
      {selected && (
        <aside className="explanation" data-testid="explanation">
          <h2>
            {selected.src} → {selected.dst}:{selected.dport}
          </h2>
          {!explanation && <p>Asking the policy model…</p>}
          {explanation && 'error' in explanation && <p role="alert">{explanation.error}</p>}
          {explanation && 'egress' in explanation && <VerdictView verdict={explanation} />}
          {explanation && 'draft' in explanation && explanation.draft && (
            <PolicyEditor
              key={explanation.draft}
              initial={explanation.draft}
              title="Draft a policy that would allow this"
            />
          )}
        </aside>
      )}
    </section>
  );
}
