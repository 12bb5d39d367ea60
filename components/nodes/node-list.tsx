'use client';

import { useEffect, useState } from 'react';
import { describeClosedPod } from '../../server/lab/closed-pod.ts';
import type { NodeStatus } from '../../server/nodes/node-status.ts';
import { Badge } from '../ui/badge.tsx';
import { EmptyState } from '../ui/empty-state.tsx';
import { Notice, Panel } from '../ui/panel.tsx';
import { Table, Td, Th } from '../ui/table.tsx';
import { clock } from '../ui/time-axis.ts';

/** What a node's datapath is, in words. */
function datapathText(node: NodeStatus): string {
  if (node.datapath === 'ebpf') return 'eBPF';
  if (node.datapath === 'simulated') return 'simulated (verdicts from the policy model)';
  const heard = node.agent.lastSeen
    ? `last heard from ${clock(node.agent.lastSeen, true)}`
    : 'not heard from';
  return `eBPF on a Kubernetes node; agent ${heard}`;
}

/** A node's health as a badge: a word and a mark, not a colour alone. */
export function HealthBadge({ healthy }: { healthy: boolean }) {
  return (
    <Badge tone={healthy ? 'allow' : 'deny'}>
      <span aria-hidden="true">{healthy ? '●' : '▲'}</span>
      <span>{healthy ? 'healthy' : 'unhealthy'}</span>
    </Badge>
  );
}

/** The nodes and their agents, refreshed every two seconds. */
export function NodeList() {
  const [nodes, setNodes] = useState<NodeStatus[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const load = () =>
      fetch('/api/nodes', { cache: 'no-store' })
        .then((response) => response.json())
        .then((body: { nodes: NodeStatus[] }) => {
          setNodes(body.nodes);
          setError(undefined);
        })
        .catch((failure: Error) => setError(failure.message));
    void load();
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, []);
  if (error && !nodes) return <Notice tone="error">Cannot load the nodes: {error}</Notice>;
  if (!nodes) return <p className="text-sm text-muted">Loading nodes…</p>;
  if (nodes.length === 0)
    return (
      <EmptyState title="No lab">
        Run <code>palisade lab up</code>.
      </EmptyState>
    );
  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
      {nodes.map((node) => (
        <Panel
          key={node.name}
          testId={`node-${node.name}`}
          title={
            <span className="flex items-center gap-2">
              {node.name} <HealthBadge healthy={node.agent.healthy} />
            </span>
          }
        >
          <p className="mb-3 text-sm text-muted">
            <span className="text-ink">Datapath: {datapathText(node)}</span>
            {node.agent.pid !== undefined &&
              ` · agent pid ${node.agent.pid}, generation ${node.agent.generation}`}
            {node.lostEvents !== undefined && ` · lost events ${node.lostEvents}`}
            {node.deniedPackets !== undefined && ` · denied packets ${node.deniedPackets}`}
          </p>
          {node.agent.error && <Notice tone="error">Agent error: {node.agent.error}</Notice>}
          {node.closed.length > 0 && (
            <Notice tone="warn">
              {node.closed.map((closed) => (
                <span key={`${closed.pod} ${closed.direction}`} className="block" data-testid="closed-pod">
                  ⚠ {describeClosedPod(closed)}
                </span>
              ))}
            </Notice>
          )}
          <div className="rounded-md border border-line">
            <Table>
              <thead>
                <tr>
                  <Th>pod</Th>
                  <Th>ingress program</Th>
                  <Th>egress program</Th>
                  <Th>map fill</Th>
                </tr>
              </thead>
              <tbody>
                {node.pods.length === 0 && (
                  <tr>
                    <td colSpan={4} className="px-3 py-4 text-center text-sm text-muted">
                      {node.datapath === 'simulated'
                        ? 'No programs: the simulated datapath attaches none, verdicts come from the policy model.'
                        : 'No pods with programs on this node yet.'}
                    </td>
                  </tr>
                )}
                {node.pods.map((pod) => (
                  <tr key={pod.pod}>
                    {/* Wraps on a narrow screen, so that the table fits without scrolling sideways. */}
                    <Td className="break-all whitespace-normal!">{pod.pod}</Td>
                    <Td className="font-mono">{pod.ingressProgram ?? '-'}</Td>
                    <Td className="font-mono">{pod.egressProgram ?? '-'}</Td>
                    <Td className="font-mono">
                      {node.mapFill?.[pod.pod] === undefined
                        ? '-'
                        : `${((node.mapFill[pod.pod] ?? 0) * 100).toFixed(3)}%`}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </div>
        </Panel>
      ))}
    </div>
  );
}
