import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TestingApiServer } from '../../server/kube-api/testing-api-server.ts';
import type { KubeSource } from '../../server/sources/kube-source.ts';

/**
 * The policy routes in Kubernetes mode, against a real API server: the caller's own bearer token is
 * the credential (no cookie, no lab token), checked by the API server before the body is read, and
 * the write is made with it, so RBAC decides; the guard's Origin and Content-Type checks hold too.
 */

const POLICY = readFileSync(
  new URL('../../examples/walkthrough/policies/01-deny-all-ingress.yaml', import.meta.url),
  'utf8',
);
let api: TestingApiServer;
let alice: string;
let routes: typeof import('./policies/route.ts');

before(async () => {
  api = await TestingApiServer.start();
  alice = await api.policyEditorToken('default', 'alice');
  process.env.PALISADE_CLUSTER = 'kubernetes';
  process.env.PALISADE_KUBECONFIG = api.kubeconfig;
  process.env.PALISADE_DATA_DIR = mkdtempSync(join(tmpdir(), 'palisade-routes-kube-'));
  routes = await import('./policies/route.ts');
});

after(async () => {
  const { clusterSource } = await import('../../server/sources/source.ts');
  (clusterSource() as KubeSource).stop();
  await api?.stop();
});

const post = (headers: Record<string, string>, body: BodyInit = POLICY) =>
  routes.POST(
    new Request('http://127.0.0.1:3000/api/policies', {
      method: 'POST',
      headers: { host: '127.0.0.1:3000', 'content-type': 'application/yaml', ...headers },
      body,
      duplex: 'half',
    } as RequestInit),
  );

test('writes go with the caller’s own Kubernetes token, reviewed before the body is read', async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(65536));
      },
    },
    { highWaterMark: 0 },
  );
  const anonymous = await post({}, endless);
  assert.equal(anonymous.status, 401);
  assert.match((await anonymous.json()).error, /needs your Kubernetes bearer token/);
  assert.equal(pulled, 0, 'the body was not read');
  assert.equal(
    (await post({ cookie: 'palisade-session=anything', origin: 'http://127.0.0.1:3000' })).status,
    401,
  );
  assert.equal((await post({ authorization: 'Bearer not-a-token' })).status, 401);
  const crossSite = await post({ authorization: `Bearer ${alice}`, 'sec-fetch-site': 'cross-site' });
  assert.equal(crossSite.status, 403);
  assert.equal((await crossSite.json()).field, 'origin');
  assert.equal((await post({ authorization: `Bearer ${alice}`, 'content-type': 'text/plain' })).status, 415);
  const elsewhere = await post(
    { authorization: `Bearer ${alice}` },
    POLICY.replace('namespace: default', 'namespace: kube-system'),
  );
  assert.equal(elsewhere.status, 403);
  assert.match(
    (await elsewhere.json()).error,
    /alice may not patch NetworkPolicies in namespace kube-system/,
  );
  const applied = await post({ authorization: `Bearer ${alice}`, origin: 'http://127.0.0.1:3000' });
  assert.equal(applied.status, 200);
  assert.deepEqual((await applied.json()).applied, ['NetworkPolicy default/demo-app-deny-all']);
  assert.match(await api.kubectl(['get', 'networkpolicy', '-n', 'default']), /demo-app-deny-all/);
  const deleted = await routes.DELETE(
    new Request('http://127.0.0.1:3000/api/policies?name=default/demo-app-deny-all', {
      method: 'DELETE',
      headers: { host: '127.0.0.1:3000', authorization: `Bearer ${alice}` },
    }),
  );
  assert.equal(deleted.status, 200);
});

test('what the API server refuses names the object, its document and the field, without the request line', async () => {
  const bob = await api.policyEditorToken('default', 'bob');
  await api.kubectl([
    'create',
    'clusterrole',
    'bob-everywhere',
    '--verb=get,list,watch,create,patch,update,delete',
    '--resource=networkpolicies.networking.k8s.io',
  ]);
  await api.kubectl([
    'create',
    'clusterrolebinding',
    'bob-everywhere',
    '--clusterrole=bob-everywhere',
    '--serviceaccount=default:bob',
  ]);
  const two = `${POLICY}\n---\n${POLICY.replace('namespace: default', 'namespace: nosuchns')}`;
  const refused = await post({ authorization: `Bearer ${bob}` }, two);
  const body = await refused.json();
  assert.equal(refused.status, 404, body.error);
  assert.equal(body.field, 'metadata.namespace');
  assert.equal(body.document, 2);
  assert.match(body.error, /^NetworkPolicy nosuchns\/demo-app-deny-all: namespaces "nosuchns" not found$/);
  // All or nothing: the first, in a namespace that is there, was not written either.
  assert.doesNotMatch(await api.kubectl(['get', 'networkpolicy', '-A']), /demo-app-deny-all/);
  const missing = await routes.DELETE(
    new Request('http://127.0.0.1:3000/api/policies?name=default/nosuch', {
      method: 'DELETE',
      headers: { host: '127.0.0.1:3000', authorization: `Bearer ${bob}` },
    }),
  );
  const gone = await missing.json();
  assert.equal(missing.status, 404, gone.error);
  assert.equal(gone.field, 'name');
  assert.match(
    gone.error,
    /^NetworkPolicy default\/nosuch: networkpolicies.networking.k8s.io "nosuch" not found$/,
  );
});
