import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, chromium } from 'playwright-core';

/** The repository, the walkthrough's policies and where screenshots go, for the end-to-end tests. */
export const root = new URL('../', import.meta.url).pathname;
export const policies = `${root}examples/walkthrough/policies/`;
export const screenshots = new URL('screenshots/', import.meta.url).pathname;
const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, without reaching out to the network. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (npm run setup does, as root)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The dashboard as `npm start` serves it (built first when needed), on `port`; stop it with kill(). */
export async function startDashboard(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const next = `${root}node_modules/next/dist/bin/next`;
  execFileSync('bash', ['scripts/build-dashboard.sh'], { cwd: root, stdio: 'ignore' });
  const server = spawn(process.execPath, [next, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return server;
    await sleep(100);
  }
  server.kill();
  throw new Error(`the dashboard did not answer on port ${port}`);
}
