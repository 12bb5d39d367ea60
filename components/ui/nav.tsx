'use client';

import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Overview' },
  { href: '/graph', label: 'Graph' },
  { href: '/flows', label: 'Flows' },
  { href: '/policies', label: 'Policies' },
  { href: '/nodes', label: 'Nodes' },
] as const;

/** The pages, the current one marked (for screen readers too, with aria-current). */
export function Nav() {
  const path = usePathname();
  return (
    <ul className="flex flex-wrap gap-0.5 lg:flex-col">
      {LINKS.map((link) => {
        const current = link.href === '/' ? path === '/' : path.startsWith(link.href);
        return (
          <li key={link.href}>
            <a
              href={link.href}
              aria-current={current ? 'page' : undefined}
              className={`block rounded-md px-3 py-1.5 text-sm no-underline hover:no-underline ${
                current ? 'bg-accent-soft font-semibold text-accent' : 'text-ink hover:bg-raised'
              }`}
            >
              {link.label}
            </a>
          </li>
        );
      })}
    </ul>
  );
}
