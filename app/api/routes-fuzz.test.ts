import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { AGENT_TOKENS, API_TOKEN, ROUTES, request, snapshot } from './testing-routes.ts';

/**
 * Random and malformed requests to every route handler: headers, queries and bodies drawn from
 * what browsers, agents, curl and attackers send. Whatever comes in, a handler answers (it never
 * throws), never with a 5xx, refusals are JSON `{"error", "field"}` and change nothing, and the only
 * writes that succeed are those a credential allows.
 */

const POLICY = readFileSync(
  new URL(
    '../../examples/walkthrough/policies/03-allow-ingress-from-samens-client-one.yaml',
    import.meta.url,
  ),
  'utf8',
);
const HOSTS = [
  '127.0.0.1:3000',
  'localhost:3000',
  '[::1]:3000',
  'palisade.example.com',
  'attacker.example',
  '127.0.0.1.nip.io:3000',
  '',
];
const ORIGINS = (host: string) => [
  `http://${host}`,
  'http://attacker.example',
  'http://127.0.0.1:8080',
  'null',
  'https://127.0.0.1:3000',
];
const SITES = ['same-origin', 'same-site', 'cross-site', 'none'];
const TYPES = [
  'application/yaml',
  'application/json',
  'application/json; charset=utf-8',
  'text/yaml',
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/yaml; charset=latin1',
  'application/xml',
];
const CREDENTIALS = [
  `Bearer ${API_TOKEN}`,
  `Bearer ${AGENT_TOKENS['lab-node-1']}`,
  `Bearer ${AGENT_TOKENS['lab-node-2']}`,
  'Bearer guess',
  `Basic ${API_TOKEN}`,
  `Bearer  ${API_TOKEN} extra`,
  'Bearer',
];
const PARAMS = [
  'buckets',
  'view',
  'level',
  'search',
  'labels',
  'focus',
  'policy',
  'deniedOnly',
  'isolatedOnly',
  'limit',
  'port',
  'since',
  'until',
  'verdict',
  'direction',
  'namespace',
  'pod',
  'group',
  'name',
  'from',
  'to',
  'protocol',
];
const VALUES = [
  'matrix',
  'graph',
  '80/TCP',
  'app=web,!legacy',
  'default,another-ns',
  '0',
  '1',
  '-1',
  '80',
  '65536',
  '1e3',
  '0x10',
  'NaN',
  'Infinity',
  '',
  'deny',
  'default/demo-app',
  'default/client-one',
  'x/y/z',
  '10.77.1.10',
  '::1',
  'TCP',
  'workload',
  '999999999999999999999',
];

/** Printable ASCII: what a header value may hold here. */
const headerText = fc.string({ maxLength: 60 }).filter((text) => /^[\x20-\x7e]*$/.test(text));
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

const headersArb = fc
  .record({
    host: optional(fc.oneof(fc.constantFrom(...HOSTS), headerText)),
    site: optional(fc.oneof(fc.constantFrom(...SITES), headerText)),
    type: optional(fc.oneof(fc.constantFrom(...TYPES), headerText)),
    authorization: optional(fc.oneof(fc.constantFrom(...CREDENTIALS), headerText)),
    cookie: optional(
      fc.oneof(
        fc.constantFrom(
          `palisade-session=${API_TOKEN}`,
          'palisade-session=guess',
          `a=b; palisade-session=${API_TOKEN}`,
        ),
        headerText,
      ),
    ),
    originPick: fc.nat(5),
    length: optional(fc.constantFrom('0', '1', '99999999999', '-1', 'abc')),
  })
  .map(({ host, site, type, authorization, cookie, originPick, length }) => {
    const headers: Record<string, string> = {};
    if (host !== undefined) headers.host = host;
    const origin = ORIGINS(host ?? '')[originPick];
    if (origin !== undefined) headers.origin = origin;
    if (site !== undefined) headers['sec-fetch-site'] = site;
    if (type !== undefined) headers['content-type'] = type;
    if (authorization !== undefined) headers.authorization = authorization;
    if (cookie !== undefined) headers.cookie = cookie;
    if (length !== undefined) headers['content-length'] = length;
    return headers;
  });

const queryArb = fc
  .array(
    fc.tuple(fc.constantFrom(...PARAMS), fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 30 }))),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs)}` : ''));

const flowArb = fc.record(
  {
    time: fc.oneof(fc.nat(), fc.double(), fc.constant('now')),
    direction: fc.constantFrom('ingress', 'egress', 'sideways'),
    verdict: fc.constantFrom('allow', 'deny', 'maybe'),
    kind: fc.constantFrom('new-flow', 'denied', 'other'),
    src: fc.constantFrom('10.77.1.11', '10.77.2.10', 'x'),
    sport: fc.oneof(fc.nat(70000), fc.constant(-1)),
    dst: fc.constantFrom('10.77.1.10', ''),
    dport: fc.oneof(fc.nat(70000), fc.constant(1.5)),
    protocol: fc.oneof(fc.nat(300), fc.constant(null)),
    pod: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);
const batchArb = fc.record(
  {
    node: fc.oneof(fc.constantFrom('lab-node-1', 'lab-node-2', 'Lab Node', ''), fc.anything({ maxDepth: 1 })),
    dropped: fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 }), fc.string()),
    flows: fc.oneof(fc.array(flowArb, { maxLength: 5 }), fc.anything({ maxDepth: 2 })),
    status: fc.anything({ maxDepth: 3 }),
    batch: fc.record({ sender: fc.string({ maxLength: 70 }), seq: fc.integer() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const policyArb = fc.record(
  {
    apiVersion: fc.constantFrom('networking.k8s.io/v1', 'v1', 42),
    kind: fc.constantFrom('NetworkPolicy', 'Pod', 'PolicyEndpoint', 'Namespace'),
    metadata: fc.record(
      {
        name: fc.oneof(fc.constantFrom('p', 'demo'), fc.string()),
        namespace: fc.constantFrom('default', 'another-ns', 'Bad_NS'),
      },
      { requiredKeys: [] },
    ),
    spec: fc.oneof(
      fc.anything({ maxDepth: 4 }),
      fc.record(
        {
          podSelector: fc.anything({ maxDepth: 2 }),
          policyTypes: fc.array(fc.constantFrom('Ingress', 'Egress', 'Sideways')),
          ingress: fc.anything({ maxDepth: 4 }),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);
/** The text of a policy file, cut and mended at random places. */
const mangledPolicy = fc
  .array(fc.tuple(fc.nat(POLICY.length), fc.nat(20), fc.string({ maxLength: 8 })), { maxLength: 3 })
  .map((edits) =>
    edits.reduce((text, [at, cut, put]) => text.slice(0, at) + put + text.slice(at + cut), POLICY),
  );

const bodyArb: fc.Arbitrary<BodyInit | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(POLICY),
  mangledPolicy,
  mangledPolicy.map((yaml) => JSON.stringify({ yaml })),
  fc.array(policyArb, { maxLength: 3 }).map((items) => items.map((item) => dump(item)).join('---\n')),
  batchArb.map((batch) => JSON.stringify(batch)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }),
  fc.nat(3000).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc
    .nat(200)
    .map(
      (depth) =>
        `${'a:\n'.repeat(1)}${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}b${i}:`).join('\n')}`,
    ),
  fc.constant('a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n'),
  fc.constant(`{"yaml": ${JSON.stringify(POLICY)}, "yaml": 7}`),
);

const routeArb = fc.constantFrom(
  ...Object.entries(ROUTES).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((method) => ['GET', 'POST', 'DELETE'].includes(method))
      .map((method) => ({ path, method })),
  ),
);

/** Whether the guard ought to let a write through: a good credential, sent from this server's own page. */
function mayWrite(headers: Record<string, string>): boolean {
  const host = headers.host ?? '';
  const hostOk = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$|^palisade\.example\.com$/i.test(host);
  const site = headers['sec-fetch-site'];
  const siteOk = site === undefined || site === 'same-origin' || site === 'none';
  const origin = headers.origin;
  const originOk = origin === undefined || origin === `http://${host}`;
  const bearer = headers.authorization === `Bearer ${API_TOKEN}`;
  const cookie = (headers.cookie ?? '').split('; ').includes(`palisade-session=${API_TOKEN}`);
  const credentialOk =
    bearer ||
    (!/^bearer /i.test(headers.authorization ?? '') &&
      cookie &&
      (origin !== undefined || site !== undefined));
  return hostOk && siteOk && originOk && credentialOk;
}

/** Keeps the guard's log of refused requests out of the test's output. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const write = process.stderr.write;
  process.stderr.write = () => true;
  try {
    return await run();
  } finally {
    process.stderr.write = write;
  }
}

test('no request makes a route throw, answer 5xx, or change anything it refuses; only credentials write', async () => {
  await quietly(() =>
    fc.assert(
      fc.asyncProperty(
        routeArb,
        headersArb,
        queryArb,
        bodyArb,
        async ({ path, method }, headers, query, body) => {
          const sent = request(method, `${path}${query}`, headers, method === 'GET' ? undefined : body);
          const before = snapshot();
          const response = await ROUTES[path]?.[method as 'GET']?.(sent);
          assert.ok(response instanceof Response);
          if (response.headers.get('content-type')?.startsWith('text/event-stream'))
            await response.body?.cancel();
          else if (response.status >= 500)
            assert.fail(`${method} ${path}${query}: ${response.status} ${await response.text()}`);
          if (response.status >= 400) {
            const answer = (await response.json()) as { error?: unknown; field?: unknown };
            assert.equal(typeof answer.error, 'string');
            assert.ok(answer.field === undefined || typeof answer.field === 'string');
            assert.equal(
              snapshot(),
              before,
              `${method} ${path} was refused (${response.status}) yet changed something`,
            );
          } else if (path === '/api/policies' && method !== 'GET') {
            assert.ok(
              mayWrite(headers),
              `a write went through without a credential from this server: ${JSON.stringify(headers)}`,
            );
          } else if (path === '/api/ingest') {
            assert.ok(
              Object.values(AGENT_TOKENS).some((token) => headers.authorization === `Bearer ${token}`),
            );
          }
        },
      ),
      { numRuns: 1500 },
    ),
  );
});

test('writes with every header right but one are refused, whatever the body', async () => {
  const right = {
    host: '127.0.0.1:3000',
    origin: 'http://127.0.0.1:3000',
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/yaml',
    authorization: `Bearer ${API_TOKEN}`,
  };
  const wrongOne = fc.oneof(
    headerText
      .filter((host) => !/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host))
      .map((host) => ({ host: host || 'x' })),
    fc.constantFrom('cross-site', 'same-site').map((site) => ({ 'sec-fetch-site': site })),
    fc
      .constantFrom('http://attacker.example', 'http://127.0.0.1:3001', 'null', 'http://localhost:3000')
      .map((origin) => ({ origin })),
    fc.constantFrom(...TYPES.slice(4)).map((type) => ({ 'content-type': type })),
    fc
      .oneof(headerText, fc.constantFrom(...CREDENTIALS.slice(1)))
      .map((authorization) => ({ authorization })),
  );
  await quietly(() =>
    fc.assert(
      fc.asyncProperty(
        wrongOne,
        fc.constantFrom('POST', 'DELETE'),
        fc.oneof(fc.constant(POLICY), mangledPolicy),
        async (wrong, method, body) => {
          const before = snapshot();
          const path =
            method === 'POST'
              ? '/api/policies'
              : '/api/policies?name=default/demo-app-allow-samens-client-one';
          const response = await ROUTES['/api/policies']?.[method as 'POST']?.(
            request(method, path, { ...right, ...wrong }, body),
          );
          assert.ok(
            response && response.status >= 400 && response.status < 500,
            `${JSON.stringify(wrong)}: ${response?.status}`,
          );
          assert.equal(snapshot(), before);
        },
      ),
      { numRuns: 300 },
    ),
  );
});
