'use client';

import { Handle, Position } from '@xyflow/react';
import type { ViewService } from '../../server/graph/graph-view.ts';

/** A Service on the graph: its name, ClusterIP (or headless) and ports, in a dashed card. */
export function ServiceNode({ data }: { data: { service: ViewService } }) {
  const { service } = data;
  const address = service.headless ? 'headless' : service.clusterIPs.join(', ') || 'no ClusterIP';
  return (
    <div className="w-40 rounded-md border border-dashed border-line-strong bg-raised px-2 py-1 text-left text-[11px] leading-tight">
      <div className="truncate font-semibold text-ink">svc {service.name}</div>
      <div className="text-muted">{address}</div>
      <div className="truncate text-muted">{service.ports.join(', ')}</div>
      {/* Its lines float from border to border: the handle is there for React Flow only. */}
      <Handle type="source" position={Position.Left} className="invisible" isConnectable={false} />
    </div>
  );
}
