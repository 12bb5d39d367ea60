import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { endpointInfo } from './policy-endpoint.ts';
import { loadState, parseState, StateFileError } from './state-file.ts';

const fixture = (name: string) => readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');

test('reads what kubectl get ns,pods,svc,networkpolicies -A -o yaml prints, unchanged', () => {
  const objects = parseState(fixture('kubectl-get-all.yaml'), 'all.yaml');
  assert.deepEqual(
    objects.map((object) => `${object.kind} ${object.metadata.name}`),
    [
      'Namespace shop',
      'Pod web-6d8f7c9b5-x2x7q',
      'Pod migrate-4tq2k',
      'NetworkPolicy web-ingress',
      'Service web',
      'Service web-pods',
    ],
  );
  const [service, headless] = objects.slice(4);
  assert.deepEqual(service?.kind === 'Service' && { ...service, metadata: undefined }, {
    kind: 'Service',
    metadata: undefined,
    type: 'NodePort',
    clusterIPs: ['10.100.41.7'],
    headless: false,
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
    ],
  });
  assert.equal(headless?.kind === 'Service' && headless.headless, true);
  assert.deepEqual(headless?.kind === 'Service' && headless.clusterIPs, []);
  const [namespace, web, , policy] = objects;
  assert.equal(namespace?.metadata.labels.team, 'payments');
  assert.equal(web?.kind === 'Pod' && web.podIP, '192.168.20.7');
  assert.deepEqual(web?.kind === 'Pod' && web.ports, [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
  ]);
  assert.equal(policy?.kind === 'NetworkPolicy' && policy.ingress[0]?.ports[0]?.port, 'http');
});

test('reads a multi-document stream and typed lists, passing over other kinds', () => {
  const objects = parseState(
    `kind: Deployment
metadata: {name: web}
---
kind: PodList
items:
  - metadata: {name: a, namespace: x}
---
---
apiVersion: v1
kind: Namespace
metadata: {name: x}
`,
    'stream.yaml',
  );
  assert.deepEqual(
    objects.map((object) => `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`),
    ['Pod x/a', 'Namespace /x'],
  );
});

test('reads PolicyEndpoints in the exact shape AWS’s controller writes', () => {
  const [endpoint] = parseState(fixture('aws-policy-endpoint.yaml'), 'pe.yaml');
  assert.equal(endpoint?.kind, 'PolicyEndpoint');
  if (endpoint?.kind !== 'PolicyEndpoint') return;
  assert.deepEqual(endpoint.spec.policyRef, { name: 'web-ingress', namespace: 'shop' });
  assert.deepEqual(endpoint.spec.podIsolation, ['Ingress']);
  assert.deepEqual(endpoint.spec.podSelectorEndpoints, [
    { hostIP: '192.168.12.34', podIP: '192.168.20.7', name: 'web-6d8f7c9b5-x2x7q', namespace: 'shop' },
  ]);
  assert.deepEqual(endpoint.spec.ingress, [
    { cidr: '192.168.20.7', ports: [{ protocol: 'TCP', port: 8080 }] },
    { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] },
  ]);
});

test('equal PolicyEndpoint entries, decoded or computed, are one shared object', () => {
  const yaml = fixture('aws-policy-endpoint.yaml');
  const [first, second] = [parseState(yaml, 'a.yaml')[0], parseState(yaml, 'b.yaml')[0]];
  if (first?.kind !== 'PolicyEndpoint' || second?.kind !== 'PolicyEndpoint') throw new Error('not read');
  assert.notEqual(first, second);
  assert.equal(first.spec.ingress?.[0], second.spec.ingress?.[0]);
  assert.equal(first.spec.podSelectorEndpoints?.[0], second.spec.podSelectorEndpoints?.[0]);
  assert.equal(first.spec.ingress?.[0], endpointInfo('192.168.20.7', [], [{ protocol: 'TCP', port: 8080 }]));
  assert.ok(Object.isFrozen(first.spec.ingress?.[0]));
});

test('refuses PolicyEndpoint entries with an action other than allow, naming the field', () => {
  const denying = fixture('aws-policy-endpoint.yaml').replace('action: ""', 'action: Deny');
  rejects(denying, /unsupported action "Deny"/, 'spec.ingress[0].action');
});

/** Asserts that parsing fails with a message naming the file, the place and the field. */
function rejects(text: string, message: RegExp, field?: string) {
  assert.throws(
    () => parseState(text, 'bad.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof StateFileError, String(error));
      assert.match(error.message, /^bad\.yaml: /);
      assert.match(error.message, message);
      assert.equal(error.field, field);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('bad input names the file, the document, the object and the field', () => {
  rejects('kind: Pod\nmetadata: {name: a}\n  bad: indent', /line \d+: invalid YAML/);
  rejects(
    'kind: List\nitems:\n  - kind: Pod\n    metadata: {name: ok}\n  - kind: Pod\n    metadata: {name: p, namespace: n}\n    status: {podIP: 10.0.0.300}',
    /document 1, item 2: Pod n\/p: status\.podIP: invalid IP address/,
    'status.podIP',
  );
  rejects(
    '---\nkind: Namespace\nmetadata: {name: a}\n---\nkind: Namespace\nmetadata: {name: a}',
    /document 2: duplicate Namespace a \(already in document 1\)/,
  );
  rejects('- just\n- a list', /document 1: expected a Kubernetes object/);
  // A name of megabytes is shown by its start, in the object's name and in the field's error.
  assert.throws(
    () => parseState(`kind: Pod\nmetadata: {name: ${'a'.repeat(100_000)}}`, 's.yaml'),
    (error: StateFileError) =>
      error.message.length < 300 &&
      /Pod default\/a{40}…: metadata\.name: invalid name "a{40}…"/.test(error.message),
  );
  rejects(
    'kind: Pod\nmetadata: {name: Bad_Name}',
    /Pod default\/Bad_Name: metadata\.name: invalid name/,
    'metadata.name',
  );
});

test('a policy’s fields are checked in any file; other products’ kinds of the same name are passed over unless strict', () => {
  const policy = (apiVersion: string, spec: string) =>
    `apiVersion: ${apiVersion}\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: ${spec}\n`;
  assert.throws(
    () =>
      parseState(
        policy('networking.k8s.io/v1', '{podSelector: {}, ingress: [{form: [{podSelector: {}}]}]}'),
        'p.yaml',
      ),
    (error: StateFileError) =>
      error.field === 'spec.ingress[0].form' && /unknown field \(did you mean from\?\)/.test(error.message),
  );
  assert.throws(
    () => parseState(policy('networking.k8s.io/v1beta1', '{podSelector: {}}'), 'p.yaml'),
    (error: StateFileError) => error.field === 'apiVersion',
  );
  // Not another product's group: a mistake in Palisade's, refused rather than its policy lost.
  for (const apiVersion of ['v1', '""', 'networking/v1', 'extensions/v1beta1', 'networking.k8s.io.v1'])
    assert.throws(
      () => parseState(policy(apiVersion, '{podSelector: {}}'), 'p.yaml'),
      (error: StateFileError) =>
        error.field === 'apiVersion' && /must be networking\.k8s\.io\/v1/.test(error.message),
      apiVersion,
    );
  const calico = policy('projectcalico.org/v3', '{selector: all(), types: [Ingress]}');
  assert.deepEqual(parseState(calico, 'calico.yaml'), []);
  assert.throws(
    () => parseState(calico, 'calico.yaml', { strict: true }),
    (error: StateFileError) => error.field === 'apiVersion',
  );
  // A kind that is one of Palisade's in other letter case is a typo in any file, not another kind.
  for (const strict of [true, false])
    assert.throws(
      () => parseState('kind: Networkpolicy\nmetadata: {name: p}\n', 'typo.yaml', { strict }),
      (error: StateFileError) =>
        error.field === 'kind' &&
        /^typo\.yaml: document 1: Networkpolicy default\/p: kind: unknown kind "Networkpolicy" \(did you mean NetworkPolicy\?\)$/.test(
          error.message,
        ),
    );
  // Two letters off a long kind of Palisade's, in its group or with no apiVersion: a typo too.
  for (const [apiVersion, kind, meant] of [
    ['networking.k8s.io/v1', 'NetworkPolicyy', 'NetworkPolicy'],
    [undefined, 'NetworkPolcy', 'NetworkPolicy'],
    ['v1', 'Servce', 'Service'],
    ['v1', 'Namespaces', 'Namespace'],
    ['networking.k8s.aws/v1alpha1', 'PolicyEndpoints', 'PolicyEndpoint'],
  ])
    assert.throws(
      () =>
        parseState(
          `${apiVersion ? `apiVersion: ${apiVersion}\n` : ''}kind: ${kind}\nmetadata: {name: p}\n`,
          'typo.yaml',
        ),
      (error: StateFileError) =>
        error.field === 'kind' && error.message.endsWith(`unknown kind "${kind}" (did you mean ${meant}?)`),
      kind,
    );
  // Real kinds near short ones (Node, two letters off Pod), other groups' kinds and others pass over.
  const others = [
    ['v1', 'Node'],
    ['v1', 'Secret'],
    ['v1', 'Endpoints'],
    ['v1', 'ServiceAccount'],
    ['apps/v1', 'ReplicaSet'],
    ['networking.k8s.io/v1', 'Ingress'],
    ['networking.k8s.io/v1', 'IngressClass'],
    ['discovery.k8s.io/v1', 'EndpointSlice'],
    ['crd.projectcalico.org/v1', 'NetworkPolicys'],
    ['projectcalico.org/v3', 'GlobalNetworkPolicy'],
  ];
  const manifests = others.map(
    ([apiVersion, kind]) => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: p}\n`,
  );
  assert.deepEqual(parseState(manifests.join('---\n'), 'others.yaml'), []);
  assert.throws(
    () => parseState('kind: Frobnicator\nmetadata: {name: p}\n', 'other.yaml', { strict: true }),
    (error: StateFileError) => error.field === 'kind' && /unsupported kind "Frobnicator"/.test(error.message),
  );
  assert.deepEqual(parseState('kind: Frobnicator\nmetadata: {name: p}\n', 'other.yaml'), []);
  // An object with no kind, or its key in other letter case, is refused: passed over, its policy would be lost.
  for (const strict of [true, false]) {
    assert.throws(
      () =>
        parseState('Kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n', 'k.yaml', {
          strict,
        }),
      (error: StateFileError) =>
        error.field === 'kind' &&
        /^k\.yaml: document 1: .*kind: is required \(did you mean kind for Kind\?\)$/.test(error.message),
    );
  }
  // With no kind at all: refused where it is to be applied, passed over in a folder of manifests.
  assert.throws(
    () => parseState('metadata: {name: p}\nspec: {podSelector: {}}\n', 'none.yaml', { strict: true }),
    (error: StateFileError) =>
      error.field === 'kind' && /kind: is required: every Kubernetes object says it/.test(error.message),
  );
  assert.deepEqual(parseState('resources: [policy.yaml]\n', 'kustomization.yaml'), []);
});

test('state files that hold nothing Palisade reads are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-state-'));
  try {
    writeFileSync(join(dir, 'empty.yaml'), '');
    writeFileSync(join(dir, 'deployments.yaml'), 'kind: Deployment\nmetadata: {name: d}\n');
    assert.throws(
      () => loadState([join(dir, 'empty.yaml'), join(dir, 'deployments.yaml')]),
      (error: StateFileError) =>
        /empty\.yaml, .*deployments\.yaml: holds no object Palisade reads/.test(error.message),
    );
    writeFileSync(join(dir, 'ns.yaml'), 'kind: Namespace\nmetadata: {name: a}\n');
    assert.deepEqual(
      loadState([dir])
        .allNamespaces()
        .map((namespace) => namespace.metadata.name),
      ['a'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two running pods on one address are refused, naming both; a finished one may share it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-state-'));
  const pod = (name: string, ip: string, phase = 'Running') =>
    `---\nkind: Pod\nmetadata: {name: ${name}, namespace: default}\nspec: {containers: []}\nstatus: {podIP: "${ip}", phase: ${phase}}\n`;
  try {
    writeFileSync(join(dir, 'a.yaml'), pod('a', 'fd00::1') + pod('old', '10.0.0.1', 'Succeeded'));
    writeFileSync(join(dir, 'b.yaml'), pod('b', 'fd00:0::1') + pod('c', '10.0.0.1'));
    assert.throws(
      () => loadState([join(dir, 'a.yaml'), join(dir, 'b.yaml')]),
      (error: StateFileError) =>
        error.field === 'status.podIP' &&
        /Pod default\/a: status\.podIP: fd00::1 is also the address of Pod default\/b/.test(error.message),
    );
    writeFileSync(join(dir, 'b.yaml'), pod('c', '10.0.0.1'));
    assert.ok(loadState([join(dir, 'a.yaml'), join(dir, 'b.yaml')]).pod('default/c'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an error shows a huge value by its first 40 characters, wherever it stands', () => {
  const huge = 'x'.repeat(400_000);
  const policy = (spec: string, head = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy') =>
    `${head}\nmetadata: {name: p, namespace: default}\nspec: ${spec}\n`;
  const cases = [
    [
      'kind',
      policy('{podSelector: {}}', `apiVersion: networking.k8s.io/v1\nkind: ${huge}`),
      { strict: true },
    ],
    ['unknown field', policy(`{podSelector: {}, ${huge}: 1}`), {}],
    ['ipBlock.cidr', policy(`{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: ${huge}}}]}]}`), {}],
    ['label key', policy(`{podSelector: {matchLabels: {${huge}: a}}}`), {}],
    ['label value', policy(`{podSelector: {matchLabels: {a: ${huge}}}}`), {}],
    ['apiVersion', policy('{podSelector: {}}', `apiVersion: ${huge}\nkind: NetworkPolicy`), {}],
    ['protocol', policy(`{podSelector: {}, ingress: [{ports: [{protocol: ${huge}}]}]}`), {}],
  ] as const;
  for (const [where, text, options] of cases)
    assert.throws(
      () => parseState(text, 'huge.yaml', options),
      (error: StateFileError) =>
        error.message.length < 600 &&
        (error.field ?? '').length < 200 &&
        error.message.includes('x'.repeat(40)),
      where,
    );
});
