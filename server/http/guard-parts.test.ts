import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ApiTokenError, ensureApiToken, sameSecret } from './api-token.ts';
import { bodyType, YAML_OR_JSON_TYPES } from './content-type.ts';
import { credentialOf } from './credential.ts';
import { hostProblem } from './host-check.ts';
import { HttpError } from './http-error.ts';
import { crossOriginProblem } from './origin-check.ts';
import { queryOf } from './query.ts';
import { readBody } from './read-body.ts';

test('the API token is made once, readable by its owner only, and one that others may read is refused', () => {
  const folder = mkdtempSync(join(tmpdir(), 'palisade-token-'));
  const file = join(folder, 'data', 'api-token');
  const token = ensureApiToken(file);
  assert.match(token, /^[\w-]{43}$/, '32 random bytes');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(ensureApiToken(file), token, 'kept');
  assert.notEqual(ensureApiToken(join(folder, 'other')), token, 'random');
  chmodSync(file, 0o644);
  assert.throws(
    () => ensureApiToken(file),
    (error) => error instanceof ApiTokenError && /chmod 600/.test(error.message),
  );
  const empty = join(folder, 'empty');
  writeFileSync(empty, '\n', { mode: 0o600 });
  assert.throws(() => ensureApiToken(empty), /no token/);
  assert.equal(sameSecret(token, token), true);
  assert.equal(sameSecret(`${token}x`, token), false);
  assert.equal(sameSecret('', ''), false, 'nothing is never a secret');
});

test('processes starting at once agree on one token', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'palisade-token-')), 'api-token');
  const script = `import { ensureApiToken } from ${JSON.stringify(new URL('./api-token.ts', import.meta.url).pathname)}; process.stdout.write(ensureApiToken(${JSON.stringify(file)}));`;
  const made = await Promise.all(
    Array.from({ length: 4 }, () =>
      promisify(execFile)(process.execPath, [
        '--input-type=module',
        '--disable-warning=ExperimentalWarning',
        '-e',
        script,
      ]),
    ),
  );
  assert.equal(new Set(made.map(({ stdout }) => stdout)).size, 1);
});

test('the Host must be an address, localhost, or a configured name', () => {
  for (const host of ['127.0.0.1:3000', 'localhost', 'LOCALHOST:8080', '[::1]:3000', '10.1.2.3', '[fd00::1]'])
    assert.equal(hostProblem(host), undefined, host);
  for (const host of [
    null,
    '',
    'attacker.example',
    'localhost.attacker.example',
    'a@127.0.0.1',
    '127.0.0.1/x',
    'a b',
  ])
    assert.ok(hostProblem(host), String(host));
  process.env.PALISADE_ALLOWED_HOSTS = 'palisade.example.com, dash.internal:8443';
  try {
    assert.equal(hostProblem('palisade.example.com:3000'), undefined, 'any port');
    assert.equal(hostProblem('dash.internal:8443'), undefined);
    assert.ok(hostProblem('dash.internal:3000'), 'only the port named');
  } finally {
    delete process.env.PALISADE_ALLOWED_HOSTS;
  }
});

test('changes are taken from this server’s own pages only, as the browser says', () => {
  const headers = (entries: Record<string, string>) => new Headers({ host: '127.0.0.1:3000', ...entries });
  assert.equal(crossOriginProblem(headers({ origin: 'http://127.0.0.1:3000' }), true), undefined);
  assert.equal(crossOriginProblem(headers({ 'sec-fetch-site': 'same-origin' }), true), undefined);
  assert.equal(crossOriginProblem(headers({}), false), undefined, 'curl with a bearer token');
  assert.match(crossOriginProblem(headers({}), true) ?? '', /must say where it comes from/);
  assert.match(crossOriginProblem(headers({ 'sec-fetch-site': 'cross-site' }), false) ?? '', /cross-site/);
  assert.match(crossOriginProblem(headers({ 'sec-fetch-site': 'same-site' }), false) ?? '', /same-site/);
  for (const origin of [
    'http://127.0.0.1:3001',
    'http://localhost:3000',
    'null',
    'file://',
    'http://127.0.0.1:3000/x',
    'ftp://127.0.0.1:3000',
  ])
    assert.match(crossOriginProblem(headers({ origin }), false) ?? '', /is not this server/, origin);
  // Behind a proxy that names no port: the scheme's own.
  const proxied = new Headers({ host: 'palisade.example.com', origin: 'https://palisade.example.com' });
  assert.equal(crossOriginProblem(proxied, true), undefined);
});

test('bodies are JSON or YAML in UTF-8; the forms another site may send are 415', () => {
  assert.equal(bodyType('Application/YAML; charset=utf-8', YAML_OR_JSON_TYPES), 'application/yaml');
  for (const type of [
    null,
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=a',
    'application/json; charset=utf-16',
  ]) {
    assert.throws(
      () => bodyType(type, YAML_OR_JSON_TYPES),
      (error) => error instanceof HttpError && error.status === 415 && error.field === 'content-type',
    );
  }
});

test('a body is read as it streams and given up at its limit', async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled += 1000;
        controller.enqueue(new Uint8Array(1000).fill(97));
      },
    },
    { highWaterMark: 0 },
  );
  const post = (body: BodyInit, headers = {}) =>
    new Request('http://127.0.0.1/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  await assert.rejects(
    readBody(post(endless), 10_000),
    (error) => error instanceof HttpError && error.status === 413,
  );
  assert.ok(pulled <= 11_000, `stopped at the limit (${pulled} pulled)`);
  await assert.rejects(readBody(post('x', { 'content-length': '20000' }), 10_000), /larger than 10000 bytes/);
  assert.equal(await readBody(post('héllo'), 10), 'héllo');
  await assert.rejects(readBody(post(new Uint8Array([0xc3])), 10), /not UTF-8/);
});

test('the credential is a bearer token or the session cookie', () => {
  assert.deepEqual(credentialOf(new Headers({ authorization: 'Bearer abc' })), { bearer: 'abc' });
  assert.deepEqual(credentialOf(new Headers({ authorization: 'Basic abc' })), {});
  assert.deepEqual(credentialOf(new Headers({ cookie: 'x=1; palisade-session=s3cret; y=2' })), {
    session: 's3cret',
  });
  assert.deepEqual(credentialOf(new Headers({ cookie: 'palisade-session=' })), {});
});

test('query parameters are read with bounds, naming the parameter', () => {
  const query = queryOf(new URLSearchParams('limit=20&port=8.5&since=12.5&big=1e9&v=a'));
  assert.equal(query.number('limit', 1, 100, true), 20);
  assert.equal(query.number('since', 0, 100), 12.5);
  assert.equal(query.number('absent', 0, 1), undefined);
  assert.throws(() => query.number('port', 0, 65535, true), { field: 'port' });
  assert.throws(() => query.number('big', 0, 1e12), { field: 'big' });
  assert.throws(() => query.choice('v', ['b', 'c']), /must be one of b, c/);
  assert.throws(() => query.required('name', 'ns/name'), /is required \(ns\/name\)/);
  assert.throws(() => queryOf(new URLSearchParams(`pod=${'a'.repeat(513)}`)).text('pod'), /at most 512/);
});
