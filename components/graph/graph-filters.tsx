'use client';

import type { GraphView } from '../../server/graph/graph-view.ts';
import { isNarrowed, type ViewRequest } from '../../server/graph/view-request.ts';
import { naturalCompare } from '../natural-order.ts';
import { Button } from '../ui/button.tsx';
import { CheckField, SelectField, TextField, Toolbar } from '../ui/field.tsx';

/**
 * The graph's filters, for the request as it is; without a view (loading, or a request the server
 * refused) they offer only what the request holds, so that it can still be changed or cleared.
 */
export function GraphFilters({
  request,
  view,
  change,
  services,
  onServices,
}: {
  request: ViewRequest;
  view?: GraphView;
  /** Merges `next` into the request, or replaces it with `replace`. */
  change: (next: ViewRequest, replace?: boolean) => void;
  services: boolean;
  onServices: (services: boolean) => void;
}) {
  const namespaceOptions = Object.fromEntries([
    ['', 'all'],
    // Two namespaces (a matrix cell's), or one the view does not name, stay choosable as they are.
    ...(request.namespace && !view?.namespaces.includes(request.namespace)
      ? [[request.namespace, request.namespace.replace(',', ' + ')]]
      : []),
    ...[...(view?.namespaces ?? [])].sort(naturalCompare).map((namespace) => [namespace, namespace]),
  ]);
  const ports = [...(view?.ports ?? [])];
  if (request.port && !ports.includes(request.port)) ports.push(request.port);
  return (
    <Toolbar label="Graph filters">
      <SelectField
        label="View"
        value={request.view}
        options={{ '': view ? `auto (${view.view})` : 'auto', matrix: 'matrix', graph: 'graph' }}
        onChange={(value) => change({ view: value as ViewRequest['view'] })}
      />
      <SelectField
        label="Detail"
        value={request.level}
        options={{
          '': view ? `auto (${view.level}s)` : 'auto',
          pod: 'down to pods, as they fit',
          workload: 'down to workloads',
          namespace: 'namespaces',
        }}
        onChange={(level) => change({ level: level as ViewRequest['level'] })}
      />
      <SelectField
        label="Namespace"
        value={request.namespace}
        options={namespaceOptions}
        onChange={(namespace) => change({ namespace })}
      />
      <SelectField
        label="Port"
        value={request.port}
        options={{ '': 'all', ...Object.fromEntries(ports.map((port) => [port, port])) }}
        onChange={(port) => change({ port })}
      />
      <TextField
        label="Pod"
        type="search"
        placeholder="name contains"
        value={request.search ?? ''}
        onChange={(event) => change({ search: event.target.value || undefined })}
        size={14}
      />
      <TextField
        label="Labels"
        type="search"
        placeholder="app=web,tier!=db"
        value={request.labels ?? ''}
        onChange={(event) => change({ labels: event.target.value || undefined })}
        size={14}
      />
      <TextField
        label="Focus on pod"
        type="search"
        placeholder="ns/name"
        list="graph-pods"
        defaultValue={request.focus ?? ''}
        key={request.focus ?? ''}
        onKeyDown={(event) => {
          if (event.key === 'Enter') change({ focus: event.currentTarget.value || undefined, view: 'graph' });
        }}
        size={16}
      />
      <datalist id="graph-pods">
        {(view?.nodes ?? [])
          .filter((item) => item.kind === 'pod')
          .map((item) => (
            <option key={item.id} value={item.id} />
          ))}
      </datalist>
      <CheckField
        label="Denied only"
        checked={request.deniedOnly === true}
        onChange={(deniedOnly) => change({ deniedOnly })}
      />
      <CheckField
        label="Isolated pods only"
        checked={request.isolatedOnly === true}
        onChange={(isolatedOnly) => change({ isolatedOnly })}
      />
      <CheckField label="Services" checked={services} onChange={onServices} />
      {isNarrowed(request) && (
        <Button tone="ghost" onClick={() => change({}, true)}>
          Clear filters
        </Button>
      )}
    </Toolbar>
  );
}
