import type { ReactNode } from 'react';

/** A card: a titled box of content, with actions (small links and buttons) on the right of its title. */
export function Panel({
  title,
  actions,
  children,
  className = '',
  testId,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`rounded-lg border border-line bg-surface ${className}`} data-testid={testId}>
      {(title || actions) && (
        <header className="flex items-center justify-between gap-3 border-b border-line px-4 py-2.5">
          {title && <h2 className="text-sm font-semibold text-ink">{title}</h2>}
          {actions && <div className="flex items-center gap-2 text-sm">{actions}</div>}
        </header>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

/** One figure of the overview: a big number, what it counts, and where to see them. */
export function Stat({
  label,
  value,
  detail,
  href,
}: {
  label: string;
  value: ReactNode;
  detail?: ReactNode;
  href: string;
}) {
  return (
    <a
      href={href}
      className="group block rounded-lg border border-line bg-surface px-4 py-3 text-ink no-underline hover:border-accent hover:no-underline"
    >
      <div className="text-xs font-medium uppercase tracking-wide text-muted">{label}</div>
      <div className="mt-1 text-2xl font-semibold">{value}</div>
      {detail && <div className="mt-0.5 text-xs text-muted">{detail}</div>}
      <div className="mt-1 text-xs text-accent group-hover:underline">View →</div>
    </a>
  );
}

/** A notice across a page: what mode the dashboard is in, or what went wrong. */
export function Notice({
  tone = 'info',
  children,
}: {
  tone?: 'info' | 'warn' | 'error';
  children: ReactNode;
}) {
  const colours = {
    info: 'border-accent/40 bg-info-soft',
    warn: 'border-partial/50 bg-warn-soft',
    error: 'border-deny/50 bg-deny-soft',
  }[tone];
  return (
    <p
      role={tone === 'error' ? 'alert' : 'status'}
      className={`rounded-md border px-3 py-2 text-sm ${colours}`}
    >
      {children}
    </p>
  );
}
