'use client';

import type { GraphView } from '../../server/graph/graph-view.ts';
import { Table, Td, Th } from '../ui/table.tsx';
import { VerdictBadge } from '../ui/verdict.tsx';

/** The drawn edges as a table: the graph for keyboards and screen readers, and a sortable list for everyone. */
export function EdgeTable({ view, onSelect }: { view: GraphView; onSelect: (id: string) => void }) {
  return (
    <details className="rounded-lg border border-line bg-surface">
      <summary className="cursor-pointer px-4 py-2 text-sm font-medium">
        The {view.edges.length} edges as a table
      </summary>
      <div className="max-h-80 overflow-auto border-t border-line">
        <Table>
          <thead>
            <tr>
              <Th>from</Th>
              <Th>to</Th>
              <Th>verdict</Th>
              <Th>allowed</Th>
              <Th>denied</Th>
              <Th>flows seen</Th>
              <Th>
                <span className="sr-only">details</span>
              </Th>
            </tr>
          </thead>
          <tbody>
            {view.edges.map((edge) => (
              <tr key={edge.id}>
                <Td>{edge.from}</Td>
                <Td>{edge.to}</Td>
                <Td>
                  <VerdictBadge state={edge.state} />
                </Td>
                <Td>{edge.allowed.join(', ') || '—'}</Td>
                <Td>{edge.denied.join(', ') || '—'}</Td>
                <Td>{edge.observed.allowed + edge.observed.denied}</Td>
                <Td>
                  <button type="button" className="text-accent underline" onClick={() => onSelect(edge.id)}>
                    Explain
                    <span className="sr-only">
                      {' '}
                      {edge.from} to {edge.to}
                    </span>
                  </button>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </div>
    </details>
  );
}
