'use client';

import { type KeyboardEvent, useMemo, useState } from 'react';
import type { MatrixCell } from '../../server/graph/graph-view.ts';
import { naturalCompare } from '../natural-order.ts';
import { formatCount } from '../ui/format-count.ts';
import { VERDICTS, VerdictIcon } from '../ui/verdict.tsx';

/** The cell's fill: its verdict's colour, stronger the larger the share of denied pairs. */
function fill(cell: MatrixCell): string {
  if (cell.state === 'allowed') return 'var(--allow-soft)';
  const share = cell.denied / (cell.allowed + cell.denied);
  const strength = Math.round(10 + share * 60);
  return `color-mix(in oklab, ${VERDICTS[cell.state].colour} ${strength}%, var(--surface))`;
}

/** What a cell says, in words (its label for screen readers, and the line under the matrix). */
export function describeCell(cell: MatrixCell): string {
  const total = cell.allowed + cell.denied;
  const seen = cell.observed.allowed + cell.observed.denied;
  return `${cell.from} → ${cell.to}: ${VERDICTS[cell.state].label}, ${formatCount(cell.denied)} of ${formatCount(total)} pod pairs × ports denied${seen ? `, ${formatCount(seen)} flows seen (${formatCount(cell.observed.denied)} denied)` : ''}`;
}

/**
 * The namespace × namespace heat map: a row per source namespace, a column per destination, each
 * cell coloured, marked and labelled by its verdict. One cell is in the tab order; the arrow keys
 * move between cells, Home/End to a row's ends; each cell is a button that opens that pair's pods.
 */
export function NamespaceMatrix({
  namespaces,
  cells,
  onOpen,
}: {
  namespaces: readonly string[];
  cells: readonly MatrixCell[];
  onOpen: (from: string, to: string) => void;
}) {
  const byId = useMemo(() => new Map(cells.map((cell) => [cell.id, cell])), [cells]);
  const shown = useMemo(
    () =>
      namespaces
        .filter((namespace) => cells.some((cell) => cell.from === namespace || cell.to === namespace))
        .sort(naturalCompare),
    [namespaces, cells],
  );
  const [active, setActive] = useState<[number, number]>([0, 0]);
  // As large as fits beside the row names, within reason.
  const size = Math.max(9, Math.min(26, Math.floor(880 / Math.max(1, shown.length))));
  const cellAt = (row: number, column: number) => byId.get(`${shown[row]} ${shown[column]}`);
  const current = cellAt(...active);

  const move = (event: KeyboardEvent, row: number, column: number) => {
    const last = shown.length - 1;
    const next: Record<string, [number, number]> = {
      ArrowUp: [Math.max(0, row - 1), column],
      ArrowDown: [Math.min(last, row + 1), column],
      ArrowLeft: [row, Math.max(0, column - 1)],
      ArrowRight: [row, Math.min(last, column + 1)],
      Home: [row, 0],
      End: [row, last],
    };
    const target = next[event.key];
    if (target) {
      event.preventDefault();
      setActive(target);
      document.getElementById(`matrix-${target[0]}-${target[1]}`)?.focus();
    }
  };

  return (
    <div className="space-y-2" data-testid="matrix">
      <p className="min-h-5 text-sm" aria-live="polite">
        {current ? describeCell(current) : 'No pods in this pair of namespaces.'}
        {current && <span className="text-muted"> · Enter or click to see their pods.</span>}
      </p>
      <div className="overflow-auto rounded-lg border border-line bg-surface p-3">
        <table className="border-separate border-spacing-0">
          <caption className="sr-only">
            Namespace × namespace verdicts: rows send, columns receive. Arrow keys move between cells.
          </caption>
          <thead>
            <tr>
              <th
                scope="col"
                className="sticky left-0 z-10 bg-surface pb-1 text-left align-bottom text-[11px] font-normal text-muted"
              >
                from ↓ · to →
              </th>
              {shown.map((namespace, column) => (
                <th key={namespace} scope="col" className="h-24 p-0 align-bottom font-normal">
                  <span
                    className={`mx-auto block max-h-24 truncate pb-1 text-[11px] [writing-mode:vertical-rl] rotate-180 ${column === active[1] ? 'font-semibold text-ink' : 'text-muted'}`}
                  >
                    {namespace}
                  </span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((from, row) => (
              <tr key={from}>
                <th
                  scope="row"
                  className={`sticky left-0 z-10 max-w-40 truncate bg-surface p-0 pr-2 text-right text-[11px] ${row === active[0] ? 'font-semibold text-ink' : 'font-normal text-muted'}`}
                >
                  {from}
                </th>
                {shown.map((to, column) => {
                  const cell = byId.get(`${from} ${to}`);
                  const isActive = row === active[0] && column === active[1];
                  return (
                    <td key={to} className="border border-canvas p-0">
                      <button
                        type="button"
                        id={`matrix-${row}-${column}`}
                        tabIndex={isActive ? 0 : -1}
                        aria-label={cell ? describeCell(cell) : `${from} → ${to}: no pods`}
                        data-state={cell?.state}
                        disabled={!cell}
                        className="flex cursor-pointer items-center justify-center outline-offset-0 focus-visible:outline-2 focus-visible:outline-focus disabled:cursor-default"
                        style={{
                          width: size,
                          height: size,
                          background: cell ? fill(cell) : 'var(--sunken)',
                          color: cell ? VERDICTS[cell.state].colour : undefined,
                          boxShadow:
                            cell && cell.observed.denied > 0 ? 'inset 0 0 0 2px var(--deny)' : undefined,
                        }}
                        onClick={() => {
                          setActive([row, column]);
                          if (cell) onOpen(from, to);
                        }}
                        onFocus={() => setActive([row, column])}
                        onMouseEnter={() => setActive([row, column])}
                        onKeyDown={(event) => move(event, row, column)}
                      >
                        {cell && size >= 15 && <VerdictIcon state={cell.state} size={size >= 22 ? 11 : 9} />}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="text-xs text-muted">
        Darker cells deny a larger share of pod pairs × ports; an outlined cell had denied flows in the last
        ten minutes.
      </p>
    </div>
  );
}
