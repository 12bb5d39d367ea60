'use client';

import { useEffect, useState } from 'react';

type Theme = 'system' | 'light' | 'dark';

/** Light, dark, or the system's choice; kept in localStorage and set on <html data-theme>. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>('system');
  useEffect(() => setTheme((localStorage.getItem('palisade-theme') as Theme | null) ?? 'system'), []);
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem('palisade-theme', theme);
  }, [theme]);
  return (
    <label className="theme-toggle">
      Theme{' '}
      <select value={theme} onChange={(event) => setTheme(event.target.value as Theme)}>
        <option value="system">system</option>
        <option value="light">light</option>
        <option value="dark">dark</option>
      </select>
    </label>
  );
}
