import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeObject } from '../kube/objects.ts';
import type { PolicyEndpoint } from '../kube/policy-endpoint.ts';
import { packPolicyEndpoints, stagedWrites } from './packing.ts';
import { chunkName } from './policy-endpoints.ts';

const policy = { namespace: 'shop', name: 'web-in' };
const ip = (i: number) => `10.77.${i >> 8}.${i & 255}`;

/** A PolicyEndpoint of the policy as the API reads it back. */
function endpoint(name: string, ingress: number[], egress: number[] = []): PolicyEndpoint {
  return decodeObject({
    apiVersion: 'networking.k8s.aws/v1alpha1',
    kind: 'PolicyEndpoint',
    metadata: { name, namespace: policy.namespace },
    spec: {
      policyRef: policy,
      podSelector: {},
      podIsolation: ['Ingress'],
      ingress: ingress.map((i) => ({ cidr: ip(i), ports: [{ protocol: 'TCP', port: 80 }] })),
      egress: egress.map((i) => ({ cidr: ip(i) })),
    },
  }) as PolicyEndpoint;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const byName = (endpoints: PolicyEndpoint[]) => new Map(endpoints.map((one) => [one.metadata.name, one]));
const ingressOf = (endpoints: PolicyEndpoint[]) =>
  endpoints.map((one) => [one.metadata.name, (one.spec.ingress ?? []).map((entry) => entry.cidr)]);

test('with nothing written yet, entries are cut into chunks named as the model names them', () => {
  const packed = packPolicyEndpoints([endpoint(chunkName(policy, 0), range(0, 450))], [], 200);
  assert.deepEqual(
    packed.map((one) => [one.metadata.name, one.spec.ingress?.length]),
    [
      [chunkName(policy, 0), 200],
      [chunkName(policy, 1), 200],
      [chunkName(policy, 2), 50],
    ],
  );
});

test('a new entry goes where there is room, and the PolicyEndpoints that keep theirs are unchanged', () => {
  const existing = packPolicyEndpoints([endpoint('x', range(0, 450))], [], 200);
  // A pod with an address in the middle joins: in address order it would shift two chunks.
  const desired = [endpoint('x', [...range(0, 100), 1000, ...range(100, 450)])];
  const packed = byName(packPolicyEndpoints(desired, existing, 200));
  for (const full of existing.slice(0, 2))
    assert.deepEqual(packed.get(full.metadata.name), full, 'as it was');
  assert.deepEqual(
    packed.get(chunkName(policy, 2))?.spec.ingress?.map((entry) => entry.cidr),
    [...range(400, 450), 1000].map(ip),
  );
});

test('an entry no longer wanted leaves only its own PolicyEndpoint; one left empty goes', () => {
  const existing = packPolicyEndpoints([endpoint('x', range(0, 450))], [], 200);
  const packed = byName(
    packPolicyEndpoints([endpoint('x', [...range(0, 5), ...range(6, 400)])], existing, 200),
  );
  assert.deepEqual(
    packed.get(chunkName(policy, 0))?.spec.ingress?.map((entry) => entry.cidr),
    [...range(0, 5), ...range(6, 200)].map(ip),
  );
  assert.deepEqual(packed.get(chunkName(policy, 1)), existing[1]);
  assert.deepEqual(
    [...packed.keys()].sort(),
    [chunkName(policy, 0), chunkName(policy, 1)].sort(),
    'the emptied one goes',
  );
});

test('a policy whose entries all went keeps one empty PolicyEndpoint, as it still isolates its pods', () => {
  const existing = packPolicyEndpoints([endpoint('x', range(0, 300))], [], 200);
  const packed = packPolicyEndpoints([endpoint('x', [])], existing, 200);
  assert.deepEqual(ingressOf(packed), [[chunkName(policy, 0), []]]);
});

test('lists are packed on their own, in name order; an entry held twice is kept once; names taken are skipped', () => {
  const existing = [endpoint(chunkName(policy, 0), [1, 2]), endpoint('made-by-hand', [2, 3])];
  const packed = packPolicyEndpoints([endpoint('x', [1, 2, 3, 4], range(10, 15))], existing, 3);
  assert.deepEqual(
    packed.map((one) => [
      one.metadata.name,
      one.spec.ingress?.map((e) => e.cidr),
      one.spec.egress?.map((e) => e.cidr),
    ]),
    [
      ['made-by-hand', [2, 3, 4].map(ip), range(10, 13).map(ip)],
      [chunkName(policy, 0), [1].map(ip), range(13, 15).map(ip)],
    ],
  );
});

test('writes in two rounds: gains first; an entry moving to another PolicyEndpoint leaves only after it arrived', () => {
  const staged = (existing: PolicyEndpoint[], changed: PolicyEndpoint[]) => {
    const { first, second } = stagedWrites(byName(existing), changed);
    return [ingressOf(first), ingressOf(second)];
  };
  const [a, b] = [endpoint('a', [1, 2]), endpoint('b', [3])];
  assert.deepEqual(
    staged([a, b], [endpoint('a', [1, 2, 4])]),
    [[['a', [1, 2, 4].map(ip)]], []],
    'only gains',
  );
  assert.deepEqual(staged([a, b], [endpoint('a', [1])]), [[], [['a', [1].map(ip)]]], 'only losses');
  assert.deepEqual(
    staged([a, b], [endpoint('a', [2, 4])]),
    [[['a', [2, 4].map(ip)]], []],
    'one write replaces an entry within a PolicyEndpoint',
  );
  assert.deepEqual(
    staged([a, b], [endpoint('a', [1, 2, 3]), endpoint('b', [])]),
    [[['a', [1, 2, 3].map(ip)]], [['b', []]]],
    'a moving entry leaves after it arrived',
  );
  assert.deepEqual(
    staged([a, b], [endpoint('a', [1, 2, 3]), endpoint('b', [5])]),
    [
      [
        ['a', [1, 2, 3].map(ip)],
        ['b', [5, 3].map(ip)],
      ],
      [['b', [5].map(ip)]],
    ],
    'one that gains too keeps the moving entry until the second round',
  );
});

test('entries with many ports are cut by their bytes too, so that every PolicyEndpoint can be stored', () => {
  // 200 blocks of 150 ports each: 1.9 MB in one PolicyEndpoint, past etcd's 1.5 MiB.
  const ports = Array.from({ length: 150 }, (_, i) => ({ protocol: 'TCP', port: 1000 + i }));
  const big = decodeObject({
    apiVersion: 'networking.k8s.aws/v1alpha1',
    kind: 'PolicyEndpoint',
    metadata: { name: chunkName(policy, 0), namespace: policy.namespace },
    spec: {
      policyRef: policy,
      podSelector: {},
      podIsolation: ['Ingress', 'Egress'],
      ingress: range(0, 200).map((i) => ({ cidr: `172.16.${i}.0/24`, ports })),
      egress: range(0, 200).map((i) => ({ cidr: `172.17.${i}.0/24`, ports })),
    },
  }) as PolicyEndpoint;
  const fits = (endpoints: PolicyEndpoint[]) => {
    for (const one of endpoints)
      assert.ok(
        JSON.stringify(one).length < 1_000_000,
        `${one.metadata.name}: ${JSON.stringify(one).length} bytes`,
      );
    const all = (list: 'ingress' | 'egress') => endpoints.flatMap((one) => one.spec[list] ?? []);
    assert.equal(all('ingress').length, 200, 'every entry is kept');
    assert.equal(all('egress').length, 200);
  };
  const packed = packPolicyEndpoints([big], [], 200);
  assert.ok(packed.length > 1, 'spilled into more PolicyEndpoints');
  fits(packed);
  // Packing again over what is written moves nothing.
  const layout = (endpoints: PolicyEndpoint[]) =>
    new Map(
      endpoints.map((one) => [
        one.metadata.name,
        [...(one.spec.ingress ?? []), ...(one.spec.egress ?? [])].map((entry) => entry.cidr),
      ]),
    );
  assert.deepEqual(layout(packPolicyEndpoints([big], packed, 200)), layout(packed));
});
