import './globals.css';
import type { ReactNode } from 'react';
import { ThemeToggle } from '../components/theme-toggle.tsx';

export const metadata = {
  title: 'Palisade',
  description: 'See and enforce Kubernetes NetworkPolicy',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <nav className="nav">
          <a href="/">Graph</a>
          <a href="/flows">Flows</a>
          <a href="/policies">Policies</a>
          <a href="/nodes">Nodes</a>
          <ThemeToggle />
        </nav>
        {children}
      </body>
    </html>
  );
}
