import './globals.css';
import type { ReactNode } from 'react';

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
          <a href="/nodes">Nodes</a>
        </nav>
        {children}
      </body>
    </html>
  );
}
