import type { DiffLine } from './line-diff.ts';

const STYLE: Record<DiffLine['kind'], { sign: string; className: string; word?: string }> = {
  same: { sign: ' ', className: 'text-muted' },
  removed: { sign: '−', className: 'bg-deny-soft text-ink', word: 'removed' },
  added: { sign: '+', className: 'bg-allow-soft text-ink', word: 'added' },
};

/** A unified line diff: removed lines marked −, added ones +, each also named for screen readers. */
export function DiffView({ lines, label }: { lines: readonly DiffLine[]; label: string }) {
  return (
    <figure className="rounded-md border border-line bg-raised" data-testid="diff">
      <figcaption className="border-b border-line px-3 py-1.5 text-xs font-semibold text-muted">
        {label}
      </figcaption>
      <pre className="py-1 font-mono text-xs leading-5 whitespace-pre-wrap break-all">
        {lines.map((line, i) => {
          const style = STYLE[line.kind];
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines of a diff are their position
            <div key={i} className={`flex px-3 ${style.className}`}>
              <span aria-hidden="true" className="w-4 shrink-0 select-none font-bold">
                {style.sign}
              </span>
              {style.word && <span className="sr-only">{style.word}: </span>}
              <span>{line.text || ' '}</span>
            </div>
          );
        })}
      </pre>
    </figure>
  );
}
