'use client';

import { useEffect, useState } from 'react';
import { protocolOfNumber } from '../../server/kube/protocol.ts';
import type { Overview } from '../../server/overview/overview.ts';
import { naturalCompare } from '../natural-order.ts';
import { Badge } from '../ui/badge.tsx';
import { EmptyState } from '../ui/empty-state.tsx';
import { formatCount } from '../ui/format-count.ts';
import { Notice, Panel, Stat } from '../ui/panel.tsx';
import { Table, Td, Th } from '../ui/table.tsx';
import { TimeChart } from '../ui/time-chart.tsx';
import { VERDICTS, VerdictIcon } from '../ui/verdict.tsx';

/** `in 1 namespace`, `in 3 namespaces`. */
const plural = (count: number, noun: string, before = '') =>
  `${before}${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
const graphLink = (params: Record<string, string>) => `/graph?${new URLSearchParams(params)}`;
const flowsLink = (params: Record<string, string>) => `/flows?${new URLSearchParams(params)}`;

/** The share of a namespace's pods that are isolated, as a bar (the figures beside it say the same in numbers). */
function IsolationBar({ isolated, pods }: { isolated: number; pods: number }) {
  const share = pods === 0 ? 0 : isolated / pods;
  return (
    <div className="flex h-2.5 w-40 overflow-hidden rounded-full bg-sunken" aria-hidden="true">
      <div className="h-full bg-accent" style={{ width: `${share * 100}%` }} />
    </div>
  );
}

/** The home page: the cluster at a glance, every figure a link to the view it counts. */
export function OverviewView() {
  const [data, setData] = useState<Overview & { datapath: string; mode: string }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const response = await fetch('/api/overview', { cache: 'no-store' });
        const body = await response.json();
        if (!stopped && 'error' in body) setError(body.error);
        else if (!stopped) {
          setData(body);
          setError(undefined);
        }
      } catch (failure) {
        if (!stopped) setError((failure as Error).message);
      }
    };
    void load();
    const timer = setInterval(load, 5000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  if (error && !data) return <Notice tone="error">Cannot load the overview: {error}</Notice>;
  if (!data) return <p className="text-sm text-muted">Loading the overview…</p>;
  const denied = data.flows.reduce((sum, bucket) => sum + bucket.denied, 0);
  const namespaces = [...data.namespaces].sort(
    (a, b) => b.pods - b.isolated - (a.pods - a.isolated) || naturalCompare(a.name, b.name),
  );
  return (
    <div className="space-y-4">
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-4" data-testid="overview-figures">
        <Stat
          label="Network policies"
          value={formatCount(data.policies)}
          detail={plural(
            data.namespaces.filter((namespace) => namespace.policies > 0).length,
            'namespace',
            'in ',
          )}
          href="/policies"
        />
        <Stat
          label="Isolated pods"
          value={`${formatCount(data.isolatedPods)} / ${formatCount(data.pods)}`}
          detail={`${formatCount(data.pods - data.isolatedPods)} open to every peer`}
          href={graphLink({ view: 'graph', isolatedOnly: '1' })}
        />
        <Stat
          label="Denied flows, last hour"
          value={
            <span
              className="flex items-center gap-2"
              style={{ color: denied ? VERDICTS.denied.colour : undefined }}
            >
              {denied > 0 && <VerdictIcon state="denied" size={16} />}
              {formatCount(denied)}
            </span>
          }
          detail={`${formatCount(data.flows.reduce((sum, bucket) => sum + bucket.allowed, 0))} allowed`}
          href={flowsLink({ verdict: 'deny', within: '1h' })}
        />
        <Stat
          label="Agents healthy"
          value={`${data.agents.healthy} / ${data.agents.total}`}
          detail={
            data.agents.unhealthy.length
              ? `unhealthy: ${data.agents.unhealthy.join(', ')}`
              : data.agents.closedPods.length
                ? `closed rather than half enforced: ${data.agents.closedPods.join(', ')}`
                : data.datapath === 'simulated'
                  ? 'simulated: no packet is enforced'
                  : 'every node enforces'
          }
          href="/nodes"
        />
      </div>
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <Panel
          title="Denied flows over the last hour"
          actions={<a href={flowsLink({ verdict: 'deny', within: '1h' })}>Open in flows</a>}
        >
          <TimeChart buckets={data.flows} label="Denied flows per minute, last hour" only="denied" />
        </Panel>
        <Panel
          title="Top denied pairs, last hour"
          actions={<a href={flowsLink({ verdict: 'deny' })}>All denied flows</a>}
        >
          {data.topDenied.length === 0 ? (
            <EmptyState title="No denied flow in the last hour" />
          ) : (
            <div className="overflow-x-auto">
              <Table>
                <thead>
                  <tr>
                    <Th>pod</Th>
                    <Th>peer</Th>
                    <Th>port</Th>
                    <Th className="text-right">flows</Th>
                  </tr>
                </thead>
                <tbody>
                  {data.topDenied.map((pair) => (
                    <tr key={`${pair.pod} ${pair.peer} ${pair.direction} ${pair.port} ${pair.protocol}`}>
                      <Td>
                        <a
                          href={flowsLink({
                            verdict: 'deny',
                            ...(pair.pod ? { pod: pair.pod } : {}),
                            port: String(pair.port),
                          })}
                        >
                          {pair.pod ?? '?'}
                        </a>
                      </Td>
                      <Td>
                        {pair.direction === 'ingress' ? '← ' : '→ '}
                        {pair.peer}
                      </Td>
                      <Td>
                        {pair.port}/{protocolOfNumber(pair.protocol) ?? pair.protocol}
                      </Td>
                      <Td className="text-right font-semibold text-deny">{formatCount(pair.count)}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </div>
          )}
        </Panel>
      </div>
      <Panel
        title="Isolated and open pods per namespace"
        actions={<a href="/graph?view=matrix">Namespace matrix</a>}
      >
        <div className="max-h-[28rem] overflow-auto">
          <Table>
            <thead>
              <tr>
                <Th>namespace</Th>
                <Th className="text-right">pods</Th>
                <Th className="text-right">isolated</Th>
                <Th className="text-right">open</Th>
                <Th>
                  <span className="sr-only">share isolated</span>
                </Th>
                <Th className="text-right">policies</Th>
              </tr>
            </thead>
            <tbody>
              {namespaces.map((namespace) => (
                <tr key={namespace.name}>
                  <Td>
                    <a href={graphLink({ view: 'graph', namespace: namespace.name })}>{namespace.name}</a>
                  </Td>
                  <Td className="text-right">{namespace.pods}</Td>
                  <Td className="text-right">
                    <a href={graphLink({ view: 'graph', namespace: namespace.name, isolatedOnly: '1' })}>
                      {namespace.isolated}
                    </a>
                  </Td>
                  <Td className="text-right">
                    {namespace.pods - namespace.isolated > 0 ? (
                      <Badge tone="partial">{namespace.pods - namespace.isolated} open</Badge>
                    ) : (
                      <span className="text-muted">0</span>
                    )}
                  </Td>
                  <Td>
                    <IsolationBar isolated={namespace.isolated} pods={namespace.pods} />
                  </Td>
                  <Td className="text-right">
                    <a href={`/policies?namespace=${encodeURIComponent(namespace.name)}`}>
                      {namespace.policies}
                    </a>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        </div>
      </Panel>
    </div>
  );
}
