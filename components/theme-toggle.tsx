'use client';

import { useState } from 'react';
import { THEME_COOKIE, type Theme } from './theme.ts';

/** Light, dark, or the system's choice: set on <html data-theme> and kept in a cookie. */
export function ThemeToggle({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState<Theme>(initial);
  const choose = (next: Theme) => {
    setTheme(next);
    if (next === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = next;
    // biome-ignore lint/suspicious/noDocumentCookie: one preference cookie, read by the server's layout
    document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=31536000; samesite=lax`;
  };
  return (
    <label className="flex items-center gap-2 text-xs font-medium text-muted lg:flex-col lg:items-stretch lg:gap-1">
      Theme
      <select
        className="h-8 rounded-md border border-line-strong bg-surface px-2 text-sm text-ink"
        value={theme}
        onChange={(event) => choose(event.target.value as Theme)}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
