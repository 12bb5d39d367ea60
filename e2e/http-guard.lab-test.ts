import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureApiToken } from '../server/http/api-token.ts';
import { launchBrowser, policies, startDashboard } from './dashboard.ts';

/**
 * The guard as a browser meets it, against `next start` and Debian's Chromium: a printed link signs
 * a browser in with an HttpOnly, SameSite=Strict cookie (proxy.ts); the dashboard's own pages write
 * with it; pages of other origins — another port of 127.0.0.1 (the same site, so the cookie goes
 * along), another site, and a name re-pointed at 127.0.0.1 (DNS rebinding) — change nothing and
 * read nothing. The lab is simulated, in folders of its own.
 */

const PORT = 3942;
const ATTACKER_PORT = 3943;
const base = `http://127.0.0.1:${PORT}`;
process.env.PALISADE_LAB_DIR = mkdtempSync(join(tmpdir(), 'palisade-guard-lab-'));
const data = mkdtempSync(join(tmpdir(), 'palisade-guard-data-'));
const token = ensureApiToken(join(data, 'api-token'));
const POLICY = readFileSync(`${policies}01-deny-all-ingress.yaml`, 'utf8');
let server: ChildProcess;
let attacker: Server;
let browser: Browser;
/** What the attacker's pages are: each a page that sends one request to the dashboard on load. */
const attacks: Record<string, string> = {};

before(async () => {
  const { labUp } = await import('../agent/lab/lab.ts');
  await labUp(undefined, { simulated: true });
  server = await startDashboard(PORT, {
    PALISADE_LAB_DIR: process.env.PALISADE_LAB_DIR ?? '',
    PALISADE_DATA_DIR: data,
  });
  attacker = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end(attacks[request.url ?? ''] ?? '');
  });
  await new Promise<void>((resolve) => attacker.listen(ATTACKER_PORT, '127.0.0.1', resolve));
  // A name that resolves to this machine, as an attacker's would after rebinding.
  browser = await launchBrowser(['--host-resolver-rules=MAP rebind.attacker.test 127.0.0.1']);
});

after(async () => {
  await browser?.close();
  attacker?.close();
  server?.kill();
});

/** The names of the lab's policies, as the API lists them. */
async function policyNames(): Promise<string[]> {
  const listed = (await (await fetch(`${base}/api/policies`)).json()) as { policies: { name: string }[] };
  return listed.policies.map((policy) => policy.name);
}

/** A browser page signed in through the link `npm start` prints. */
async function signedIn(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${base}/nodes?token=${token}`);
  assert.equal(page.url(), `${base}/nodes`, 'the token left the address');
  return page;
}

test('the printed link signs a browser in with a cookie its scripts cannot read, and the pages write with it', async () => {
  const page = await signedIn();
  const [cookie] = await page.context().cookies(base);
  assert.deepEqual(
    { name: cookie?.name, httpOnly: cookie?.httpOnly, sameSite: cookie?.sameSite, path: cookie?.path },
    { name: 'palisade-session', httpOnly: true, sameSite: 'Strict', path: '/' },
  );
  assert.equal(await page.evaluate(() => document.cookie), '', 'not readable by scripts');
  const status = await page.evaluate(
    async (body) =>
      (
        await fetch('/api/policies', {
          method: 'POST',
          headers: { 'content-type': 'application/yaml' },
          body,
        })
      ).status,
    POLICY,
  );
  assert.equal(status, 200);
  assert.deepEqual(await policyNames(), ['default/demo-app-deny-all']);
  const anonymous = await browser.newPage();
  await anonymous.goto(`${base}/nodes?token=not-the-token`);
  assert.deepEqual(await anonymous.context().cookies(base), [], 'a wrong token signs nothing in');
  const refused = await anonymous.evaluate(async () => {
    const response = await fetch('/api/policies?name=default/demo-app-deny-all', { method: 'DELETE' });
    return { status: response.status, body: await response.json() };
  });
  assert.equal(refused.status, 401);
  assert.match(refused.body.error, /needs Palisade's API token: open the link `npm start` printed/);
  await page.close();
  await anonymous.close();
});

test('another origin’s pages cannot write, though the browser is signed in: forms, no-cors fetches, other sites', async () => {
  const before = await policyNames();
  const page = await signedIn();
  const form = (type: string) =>
    `<form method="POST" action="${base}/api/policies?name=default/demo-app-deny-all" enctype="${type}"><textarea name="yaml">${POLICY}</textarea></form><script>document.forms[0].submit()</script>`;
  attacks['/form-text'] = form('text/plain');
  attacks['/form-urlencoded'] = form('application/x-www-form-urlencoded');
  attacks['/fetch'] =
    `<script>fetch(${JSON.stringify(`${base}/api/policies`)}, {method: 'POST', mode: 'no-cors', credentials: 'include', body: ${JSON.stringify(POLICY)}}).finally(() => document.title = 'sent')</script>`;
  // 127.0.0.1 on another port is the same site: SameSite=Strict sends the cookie, and the
  // browser's Sec-Fetch-Site and Origin are what refuse it.
  for (const path of ['/form-text', '/form-urlencoded']) {
    await page.goto(`http://127.0.0.1:${ATTACKER_PORT}${path}`);
    await page.waitForURL(`${base}/api/policies?name=default/demo-app-deny-all`);
    const answer = JSON.parse(await page.locator('body').innerText());
    assert.deepEqual(answer.field, 'origin', `${path}: ${answer.error}`);
  }
  await page.goto(`http://127.0.0.1:${ATTACKER_PORT}/fetch`);
  await page.waitForFunction(() => document.title === 'sent');
  // localhost is another site: the cookie stays home.
  await page.goto(`http://localhost:${ATTACKER_PORT}/form-text`);
  await page.waitForURL(`${base}/api/policies?name=default/demo-app-deny-all`);
  assert.match(await page.locator('body').innerText(), /cross-site request may not do this/);
  assert.deepEqual(await policyNames(), before, 'nothing changed');
  await page.close();
});

test('a name re-pointed at 127.0.0.1 (DNS rebinding) reads nothing: pages and the API answer 421', async () => {
  const page = await browser.newPage();
  const response = await page.goto(`http://rebind.attacker.test:${PORT}/`);
  assert.equal(response?.status(), 421);
  assert.match(
    await page.locator('body').innerText(),
    /does not answer to the name \\"rebind.attacker.test\\"/,
  );
  const read = await page.evaluate(async () => (await fetch('/api/flows')).status);
  assert.equal(read, 421);
  await page.close();
  // The same from curl or any client that sends the name: the Host header is what counts.
  const status = await new Promise<number>((resolve, reject) => {
    httpRequest(
      { host: '127.0.0.1', port: PORT, path: '/api/policies', headers: { host: 'rebind.attacker.test' } },
      (answer) => {
        answer.resume();
        resolve(answer.statusCode ?? 0);
      },
    )
      .on('error', reject)
      .end();
  });
  assert.equal(status, 421);
});

test('told to stop (SIGTERM, as on Ctrl-C), the server ends its live streams and exits', async () => {
  const reader = (await fetch(`${base}/api/flows/stream`)).body?.getReader();
  assert.ok(reader);
  await reader.read(); // ': connected'
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  // Next.js waits for every open connection before it exits: a stream left open held it for good.
  const hung = new Promise<'hung'>((resolve) => setTimeout(resolve, 10_000, 'hung').unref());
  assert.equal((await Promise.race([reader.read(), hung])) !== 'hung', true, 'the stream ended');
  assert.notEqual(await Promise.race([exited, hung]), 'hung', 'the server exited');
});
