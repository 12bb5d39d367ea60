'use client';

import { useEffect, useState } from 'react';
import type { NodeStatus } from '../../server/nodes/node-status.ts';

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
  if (error && !nodes) return <p role="alert">Cannot load the nodes: {error}</p>;
  if (!nodes) return <p>Loading nodes…</p>;
  if (nodes.length === 0)
    return (
      <p>
        No lab: run <code>palisade lab up</code>.
      </p>
    );
  return (
    <div className="nodes">
      {nodes.map((node) => (
        <section key={node.name} className="node" data-testid={`node-${node.name}`}>
          <h2>
            {node.name}{' '}
            <span className={node.agent.healthy ? 'healthy' : 'unhealthy'}>
              {node.agent.healthy ? 'healthy' : 'unhealthy'}
            </span>
          </h2>
          <p>
            Datapath:{' '}
            {node.datapath === 'ebpf'
              ? 'eBPF'
              : node.datapath === 'cluster'
                ? `eBPF on a Kubernetes node; agent ${node.agent.lastSeen ? `last heard from ${new Date(node.agent.lastSeen).toLocaleTimeString()}` : 'not heard from'}`
                : 'simulated (verdicts from the policy model)'}
            {node.agent.pid !== undefined &&
              ` · agent pid ${node.agent.pid}, generation ${node.agent.generation}`}
            {node.lostEvents !== undefined && ` · lost events ${node.lostEvents}`}
            {node.deniedPackets !== undefined && ` · denied packets ${node.deniedPackets}`}
          </p>
          {node.agent.error && <p role="alert">Agent error: {node.agent.error}</p>}
          <table className="flows">
            <thead>
              <tr>
                <th>pod</th>
                <th>ingress program</th>
                <th>egress program</th>
                <th>map fill</th>
              </tr>
            </thead>
            <tbody>
              {node.pods.map((pod) => (
                <tr key={pod.pod}>
                  <td>{pod.pod}</td>
                  <td>{pod.ingressProgram ?? '-'}</td>
                  <td>{pod.egressProgram ?? '-'}</td>
                  <td>
                    {node.mapFill?.[pod.pod] === undefined
                      ? '-'
                      : `${((node.mapFill[pod.pod] ?? 0) * 100).toFixed(3)}%`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
