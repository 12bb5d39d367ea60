import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { frameOf } from '../../agent/record-batch.ts';
import { recordsOf, testEvent } from '../../agent/testing-records.ts';
import {
  AGENT_TOKENS,
  API_TOKEN,
  FROM_PAGE,
  handler,
  METHODS,
  ROUTES,
  request,
  snapshot,
} from './testing-routes.ts';

const POLICY = readFileSync(
  new URL('../../examples/walkthrough/policies/01-deny-all-ingress.yaml', import.meta.url),
  'utf8',
);
const YAML = { 'content-type': 'application/yaml' };

/** A body that counts what was read of it: `size` bytes of `text`, in 64 KiB chunks. */
function countedBody(size: number, text = 'a') {
  const chunk = new TextEncoder().encode(text.repeat(65536 / text.length));
  const read = { bytes: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (read.bytes >= size) return controller.close();
        read.bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, read };
}

/** Sends and checks the JSON error: its status, the field at fault and a match of its message. */
async function refused(sent: Request, status: number, field: string | undefined, message: RegExp) {
  const before = snapshot();
  const response = await handler(new URL(sent.url).pathname, sent.method as 'GET').call(undefined, sent);
  const body = (await response.json()) as { error: string; field?: string };
  assert.equal(response.status, status, `${sent.method} ${sent.url}: ${body.error}`);
  assert.equal(body.field, field);
  assert.match(body.error, message);
  assert.equal(snapshot(), before, 'nothing changed');
}

test('the page’s own requests, signed in with the session cookie or the bearer token, apply and delete policies', async () => {
  const apply = await handler(
    '/api/policies',
    'POST',
  )(request('POST', '/api/policies', { ...FROM_PAGE, ...YAML }, POLICY));
  assert.equal(apply.status, 200, await apply.clone().text());
  assert.deepEqual((await apply.json()).applied, ['NetworkPolicy default/demo-app-deny-all']);
  const viaCurl = await handler(
    '/api/policies',
    'DELETE',
  )(
    request('DELETE', '/api/policies?name=default/demo-app-deny-all', {
      host: 'localhost:3000',
      authorization: `Bearer ${API_TOKEN}`,
    }),
  );
  assert.equal(viaCurl.status, 200, await viaCurl.clone().text());
  const listed = await handler(
    '/api/policies',
    'GET',
  )(request('GET', '/api/policies', { host: '127.0.0.1:3000' }));
  assert.deepEqual((await listed.json()).policies, []);
});

test('writes need the API token, from this server’s own pages, before anything of the body is read', async () => {
  const post = (headers: Record<string, string>, body: BodyInit = POLICY) =>
    request('POST', '/api/policies', { ...YAML, ...headers }, body);
  const { stream, read } = countedBody(64 << 20);
  await refused(post({ host: '127.0.0.1:3000' }, stream), 401, 'authorization', /needs Palisade's API token/);
  assert.equal(read.bytes, 0, 'the body was not read');
  await refused(
    post({ ...FROM_PAGE, cookie: 'palisade-session=guess' }),
    401,
    'authorization',
    /not this server's/,
  );
  await refused(
    post({ host: '127.0.0.1:3000', authorization: 'Bearer guess' }),
    401,
    'authorization',
    /not this/,
  );
  // Another site's page: the browser says so, or its Origin does; SameSite=Strict keeps the cookie
  // from cross-site requests, but 127.0.0.1 on another port is the same site.
  await refused(post({ ...FROM_PAGE, 'sec-fetch-site': 'cross-site' }), 403, 'origin', /cross-site/);
  await refused(post({ ...FROM_PAGE, 'sec-fetch-site': 'same-site' }), 403, 'origin', /same-site/);
  await refused(post({ ...FROM_PAGE, origin: 'http://127.0.0.1:8080' }), 403, 'origin', /not this server/);
  await refused(post({ ...FROM_PAGE, origin: 'null' }), 403, 'origin', /not this server/);
  await refused(
    post({ host: '127.0.0.1:3000', cookie: FROM_PAGE.cookie }),
    403,
    'origin',
    /must say where it comes from/,
  );
  // DNS rebinding: the browser sends the attacker's name.
  await refused(
    post({ ...FROM_PAGE, host: 'rebind.attacker.example:3000' }),
    421,
    'host',
    /does not answer to/,
  );
  // What a form or a no-cors fetch may send without asking first never reaches a parser.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    await refused(
      post({ ...FROM_PAGE, 'content-type': type }),
      415,
      'content-type',
      /must be application\/yaml/,
    );
  }
  await refused(
    post({ ...FROM_PAGE, 'content-type': 'application/yaml; charset=latin1' }),
    415,
    'content-type',
    /UTF-8/,
  );
  await refused(
    request('POST', '/api/policies', { ...FROM_PAGE }, new Uint8Array([1, 2])),
    415,
    'content-type',
    /Content-Type/,
  );
});

test('bodies are read up to their limit and no further, and every policy route takes the same bodies', async () => {
  for (const path of ['/api/policies', '/api/policies/preview', '/api/policies/validate']) {
    const { stream, read } = countedBody(64 << 20);
    await refused(
      request('POST', path, { ...FROM_PAGE, ...YAML }, stream),
      413,
      'body',
      /larger than 524288 bytes/,
    );
    assert.ok(read.bytes <= (512 + 64) << 10, `${path}: stopped at the limit, read ${read.bytes}`);
    await refused(
      request('POST', path, { ...FROM_PAGE, ...YAML, 'content-length': String(1 << 30) }, 'x'),
      413,
      'body',
      /larger than/,
    );
    await refused(
      request('POST', path, { ...FROM_PAGE, ...YAML }, new Uint8Array([0xff, 0xfe, 0x80])),
      400,
      'body',
      /not UTF-8/,
    );
  }
  const many = Array.from({ length: 101 }, (_, i) => POLICY.replace('demo-app-deny-all', `p${i}`)).join(
    '---\n',
  );
  await refused(
    request('POST', '/api/policies/validate', { ...FROM_PAGE, ...YAML }, many),
    400,
    'yaml',
    /at most 100 policies/,
  );
});

test('a YAML body with aliases (a billion laughs) is refused as it is read', async () => {
  const laughs = readFileSync(
    new URL('../../server/kube/testdata/billion-laughs.yaml', import.meta.url),
    'utf8',
  );
  for (const path of ['/api/policies/validate', '/api/policies/preview']) {
    await refused(
      request('POST', path, { ...FROM_PAGE, ...YAML }, laughs),
      400,
      'yaml',
      /aliases \(\*name\) are not taken/,
    );
    await refused(
      request(
        'POST',
        path,
        { ...FROM_PAGE, 'content-type': 'application/json' },
        JSON.stringify({ yaml: laughs }),
      ),
      400,
      'yaml',
      /aliases/,
    );
  }
});

test('the ingest takes an agent’s token before its body, for its own node only', async () => {
  const batch = (node: string) =>
    JSON.stringify({
      node,
      flows: [
        {
          time: Date.now() - 60_000,
          direction: 'ingress',
          verdict: 'deny',
          kind: 'denied',
          src: '10.77.1.11',
          sport: 1,
          dst: '10.77.1.10',
          dport: 80,
          protocol: 6,
        },
      ],
    });
  const post = (headers: Record<string, string>, body: BodyInit) =>
    request('POST', '/api/ingest', { 'content-type': 'application/json', ...headers }, body);
  const { stream, read } = countedBody(64 << 20);
  await refused(
    post({ authorization: 'Bearer not-an-agent' }, stream),
    401,
    'authorization',
    /not an agent’s/,
  );
  assert.equal(read.bytes, 0, 'the body was not read');
  await refused(post({}, batch('lab-node-1')), 401, 'authorization', /agent token is required/);
  await refused(
    post({ authorization: `Bearer ${API_TOKEN}` }, batch('lab-node-1')),
    401,
    'authorization',
    /not an agent’s/,
  );
  await refused(
    post({ authorization: `Bearer ${AGENT_TOKENS['lab-node-2']}` }, batch('lab-node-1')),
    403,
    'node',
    /not the token of node lab-node-1/,
  );
  await refused(
    post(
      { authorization: `Bearer ${AGENT_TOKENS['lab-node-1']}`, 'content-type': 'text/plain' },
      batch('lab-node-1'),
    ),
    415,
    'content-type',
    /application\/json/,
  );
  const big = countedBody(64 << 20);
  await refused(
    post({ authorization: `Bearer ${AGENT_TOKENS['lab-node-1']}` }, big.stream),
    413,
    'body',
    /larger than/,
  );
  assert.ok(big.read.bytes <= (16 << 20) + (64 << 10));
  const taken = await handler(
    '/api/ingest',
    'POST',
  )(post({ authorization: `Bearer ${AGENT_TOKENS['lab-node-1']}` }, batch('lab-node-1')));
  assert.deepEqual(await taken.json(), { accepted: 1, dropped: 0 });
  // What agents send: a flow frame, its records checked by their layout.
  const frame = (node: string) =>
    new Uint8Array(
      frameOf({ node }, [
        recordsOf([testEvent(1, { reason: 'cut', verdict: 'deny', kind: 'denied', podId: 3 })], {
          pods: { 3: 'default/demo-app' },
        }),
      ]),
    );
  const postFrame = (body: BodyInit) =>
    request(
      'POST',
      '/api/ingest',
      {
        'content-type': 'application/vnd.palisade.flows',
        authorization: `Bearer ${AGENT_TOKENS['lab-node-1']}`,
      },
      body,
    );
  const ingestFrame = handler('/api/ingest', 'POST');
  assert.deepEqual(await (await ingestFrame(postFrame(frame('lab-node-1')))).json(), {
    accepted: 1,
    dropped: 0,
  });
  await refused(postFrame(frame('lab-node-2')), 403, 'node', /not the token of node lab-node-2/);
  const broken = frame('lab-node-1');
  broken[broken.length - 64 + 57] = 9;
  await refused(postFrame(broken), 400, 'records[0].reason', /not a value the kernel writes \(9\)/);
  const stored = await (
    await handler('/api/flows', 'GET')(request('GET', '/api/flows?reason=cut', { host: '127.0.0.1:3000' }))
  ).json();
  assert.deepEqual(
    stored.flows.map((flow: { pod: string; reason: string; family: number }) => [
      flow.pod,
      flow.reason,
      flow.family,
    ]),
    [['default/demo-app', 'cut', 4]],
  );
  // A flow an Admin ClusterNetworkPolicy denied: its tier, and the policy by its bare name.
  const adminFrame = frameOf({ node: 'lab-node-1' }, [
    recordsOf([testEvent(2, { verdict: 'deny', kind: 'denied', tier: 'Admin', ruleId: 7, podId: 3 })], {
      pods: { 3: 'default/demo-app' },
      policies: { 7: 'isolate-another-ns' },
    }),
  ]);
  assert.equal((await ingestFrame(postFrame(new Uint8Array(adminFrame)))).status, 200);
  const byTier = await (
    await handler('/api/flows', 'GET')(request('GET', '/api/flows?tier=Admin', { host: '127.0.0.1:3000' }))
  ).json();
  assert.deepEqual(
    byTier.flows.map((flow: { pod: string; tier: string; policy: string }) => [
      flow.pod,
      flow.tier,
      flow.policy,
    ]),
    [['default/demo-app', 'Admin', 'isolate-another-ns']],
  );
});

test('reads check the Host and their query, and answer bad values with the parameter at fault', async () => {
  const get = (path: string, host = '127.0.0.1:3000') => request('GET', path, { host });
  for (const host of [
    '127.0.0.1:3000',
    'localhost:3000',
    '[::1]:3000',
    '10.0.0.7',
    'palisade.example.com',
    'PALISADE.example.com:443',
  ]) {
    assert.equal((await handler('/healthz', 'GET')(get('/healthz', host))).status, 200, host);
  }
  for (const path of [
    '/api/overview',
    '/api/isolation?pod=default/demo-app',
    '/api/flows/histogram',
    '/healthz',
    '/metrics',
    '/api/flows',
    '/api/graph',
    '/api/nodes',
    '/api/policies',
    '/api/flows/stream',
  ]) {
    await refused(
      get(path, 'attacker.example:3000'),
      421,
      'host',
      /does not answer to the name "attacker.example"/,
    );
    await refused(get(path, 'localhost.attacker.example'), 421, 'host', /does not answer/);
    await refused(get(path, 'user@127.0.0.1'), 421, 'host', /not a host name/);
  }
  await refused(get('/api/flows?limit=0'), 400, 'limit', /from 1 to 10000/);
  await refused(get('/api/flows?limit=1e3'), 400, 'limit', /number/);
  await refused(get('/api/flows?port=80.5'), 400, 'port', /whole number/);
  await refused(get('/api/flows?verdict=maybe'), 400, 'verdict', /allow, deny/);
  await refused(get('/api/flows?tier=admin'), 400, 'tier', /None, Admin, NetworkPolicy, Baseline/);
  await refused(get('/api/flows/histogram?tier=Top'), 400, 'tier', /None, Admin, NetworkPolicy, Baseline/);
  await refused(get(`/api/flows?pod=${'x'.repeat(600)}`), 400, 'pod', /at most 512/);
  await refused(get('/api/graph?group=galaxy'), 400, 'group', /auto, pod, workload, namespace/);
  await refused(get('/api/graph?view=cube'), 400, 'view', /auto, matrix, graph/);
  await refused(get(`/api/graph?view=graph&search=${'x'.repeat(5000)}`), 400, 'search', /at most 4096/);
  await refused(get(`/api/graph?${'a=1&'.repeat(65)}`), 400, 'query', /at most 64 query parameters/);
  await refused(get('/api/flows/histogram?buckets=0'), 400, 'buckets', /1 to 240/);
  await refused(get('/api/flows/histogram?since=5&until=5'), 400, 'since', /before until/);
  await refused(get('/api/flows?since=5&until=4'), 400, 'since', /must not be after until/);
  await refused(get(`/api/isolation?${'pod=a/b&'.repeat(65)}`), 400, 'query', /at most 64/);
  await refused(get('/api/policies/suggest'), 400, 'pod', /required/);
  await refused(get('/api/policies/suggest?pod=default/nobody'), 400, 'pod', /no pod/);
  // A pod, Service or namespace that no object could be named is refused, not answered with nothing.
  await refused(get('/api/flows?pod=foo'), 400, 'pod', /must be ns\/name/);
  await refused(get('/api/flows?pod=a/b/c'), 400, 'pod', /must be ns\/name/);
  await refused(get('/api/flows/stream?service=default/Web'), 400, 'service', /name must consist/);
  await refused(get('/api/flows?namespace=UPPER'), 400, 'namespace', /namespace must consist/);
  await refused(get('/api/flows/histogram?pod=x'), 400, 'pod', /must be ns\/name/);
  await refused(get('/api/isolation?pod=default/a&pod=x'), 400, 'pod', /"x" must be ns\/name/);
  await refused(get('/api/policies/suggest?pod=x'), 400, 'pod', /must be ns\/name/);
  await refused(
    get('/api/explain?from=default/client-one&to=default/demo-app&port=0'),
    400,
    'port',
    /1 to 65535/,
  );
  await refused(
    get('/api/explain?from=default/client-one&to=default/demo-app&port=0x50'),
    400,
    'port',
    /whole number from 1 to 65535/,
  );
  const missingName = request('DELETE', '/api/policies', { ...FROM_PAGE });
  await refused(missingName, 400, 'name', /required/);
  for (const name of ['default/p1/x', '/p1', '%20default/p1', 'Default/p1'])
    await refused(
      request('DELETE', `/api/policies?name=${name}`, { ...FROM_PAGE }),
      400,
      'name',
      /must be ns\/name or name|namespace must consist|name must consist/,
    );
});

test('a query parameter a route does not read, or one given twice, is refused by its name', async () => {
  const get = (path: string) => request('GET', path, { host: '127.0.0.1:3000' });
  const answer = async (path: string) => {
    const response = await handler(new URL(path, 'http://x').pathname, 'GET')(get(path));
    return { status: response.status, body: await response.json() };
  };
  await refused(
    get('/api/flows?namespce=default'),
    400,
    'namespce',
    /is not a parameter of GET \/api\/flows: it takes .*namespace/,
  );
  await refused(
    get('/api/nodes?verbose=1'),
    400,
    'verbose',
    /is not a parameter of GET \/api\/nodes: it takes none/,
  );
  await refused(get('/api/flows?limit=1&limit=abc'), 400, 'limit', /given 2 times: give it once/);
  await refused(get('/api/graph?view=auto&group=pod'), 400, 'group', /not a parameter/);
  // A stream and a histogram take no limit: one given would be ignored.
  await refused(get('/api/flows/histogram?limit=5'), 400, 'limit', /not a parameter/);
  await refused(get('/api/flows/stream?limit=5'), 400, 'limit', /not a parameter/);
  await refused(get('/api/graph?view=graph&deniedOnly=yes'), 400, 'deniedOnly', /must be 1/);
  await refused(
    get('/api/explain?from=default/client-one&to=default/demo-app&port=80&proto=UDP'),
    400,
    'proto',
    /it takes from, to, port, protocol, backend/,
  );
  // What the pages send is taken: a list where a route reads one, flags as 1 or true.
  assert.equal((await answer('/api/isolation?pod=default/demo-app&pod=default/client-one')).status, 200);
  assert.equal((await answer('/api/graph?view=graph&deniedOnly=true&since=0')).status, 200);
  assert.equal((await answer('/api/flows?namespace=default&verdict=deny&since=0&limit=5')).status, 200);
  // A range shorter than its buckets has one a millisecond, all within it.
  const { body } = await answer('/api/flows/histogram?since=1000&until=1003');
  assert.deepEqual(
    body.buckets.map((bucket: { start: number }) => bucket.start),
    [1000, 1001, 1002],
  );
});

test('HEAD of the live flows answers its headers and holds no reader', async () => {
  const { flowStream } = await import('../../server/flows/flow-service.ts');
  const before = flowStream().size;
  for (let i = 0; i < 3; i++) {
    const response = await handler(
      '/api/flows/stream',
      'GET',
    )(request('HEAD', '/api/flows/stream', { host: '127.0.0.1:3000' }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    assert.equal(response.body, null);
  }
  assert.equal(flowStream().size, before);
});

test('every route answers every method: one it does not take is a 405 with the JSON error and Allow', async () => {
  const takes: Record<string, string> = {
    '/api/policies': 'DELETE, GET, HEAD, OPTIONS, POST',
    '/api/policies/preview': 'OPTIONS, POST',
    '/api/ingest': 'OPTIONS, POST',
    '/api/flows': 'GET, HEAD, OPTIONS',
    '/healthz': 'GET, HEAD, OPTIONS',
  };
  for (const path of Object.keys(ROUTES)) {
    for (const method of METHODS) assert.ok(ROUTES[path]?.[method], `${path} answers ${method}`);
  }
  for (const [path, allow] of Object.entries(takes)) {
    for (const method of METHODS.filter((one) => !allow.split(', ').includes(one))) {
      const response = await handler(path, method)(request(method, path, {}));
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get('allow'), allow);
      const body = (await response.json()) as { error: string; field: string };
      assert.equal(body.field, 'method');
      assert.match(body.error, new RegExp(`does not take ${method}: it takes`));
    }
    const options = await ROUTES[path]?.OPTIONS?.(request('OPTIONS', path, {}));
    assert.equal(options?.status, 204);
    assert.equal(options?.headers.get('allow'), allow);
  }
});
