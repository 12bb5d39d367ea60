import './globals.css';
import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { THEME_COOKIE, type Theme } from '../components/theme.ts';
import { ThemeToggle } from '../components/theme-toggle.tsx';
import { Nav } from '../components/ui/nav.tsx';
import { SourceNotice } from '../components/ui/source-notice.tsx';

export const metadata = {
  title: 'Palisade',
  description: 'See and enforce Kubernetes NetworkPolicy',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const chosen = (await cookies()).get(THEME_COOKIE)?.value;
  const theme: Theme = chosen === 'light' || chosen === 'dark' ? chosen : 'system';
  return (
    <html lang="en" data-theme={theme === 'system' ? undefined : theme}>
      <body className="min-h-screen">
        <a
          href="#main"
          className="sr-only rounded-md bg-surface px-3 py-2 focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50"
        >
          Skip to content
        </a>
        {/* Narrower than a laptop, the side bar becomes a bar across the top: the page keeps the width. */}
        <div className="flex min-h-screen flex-col lg:flex-row">
          <aside className="flex shrink-0 flex-wrap items-center gap-x-6 gap-y-2 border-b border-line bg-surface px-4 py-2 lg:sticky lg:top-0 lg:h-screen lg:w-48 lg:flex-col lg:flex-nowrap lg:items-stretch lg:gap-6 lg:border-r lg:border-b-0 lg:px-3 lg:py-4">
            <a
              href="/"
              className="flex items-center gap-2 px-2 text-base font-semibold text-ink no-underline hover:no-underline"
            >
              <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
                <rect x="3" y="5" width="3" height="15" rx="1" fill="var(--accent)" />
                <rect x="10.5" y="3" width="3" height="17" rx="1" fill="var(--accent)" />
                <rect x="18" y="5" width="3" height="15" rx="1" fill="var(--accent)" />
                <rect x="2" y="13" width="20" height="2.5" rx="1" fill="var(--muted)" />
              </svg>
              Palisade
            </a>
            <nav aria-label="Pages">
              <Nav />
            </nav>
            <div className="ml-auto lg:mt-auto lg:ml-0 lg:px-1">
              <ThemeToggle initial={theme} />
            </div>
          </aside>
          <main id="main" className="min-w-0 flex-1 space-y-3 px-4 py-5 lg:px-6">
            <SourceNotice />
            {children}
          </main>
        </div>
      </body>
    </html>
  );
}
