import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergePatch } from './merge-patch.ts';

/** RFC 7386's MergePatch, to check that a patch turns the one into the other. */
function applyPatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyPatch(result[key], value);
  }
  return result;
}

test('a merge patch names only what changed, removed members as null, and lists whole', () => {
  const before = {
    podSelector: { matchLabels: { app: 'web', tier: 'a' } },
    ingress: [{ cidr: '10.0.0.1' }, { cidr: '10.0.0.2' }],
    egress: [{ cidr: '10.0.0.9' }],
    policyRef: { name: 'p', namespace: 'shop' },
  };
  const after = {
    podSelector: { matchLabels: { app: 'web', zone: 'b' } },
    ingress: [{ cidr: '10.0.0.1' }],
    egress: undefined,
    podIsolation: ['Ingress'],
    policyRef: { name: 'p', namespace: 'shop' },
  };
  const patch = mergePatch(before, after);
  assert.deepEqual(patch, {
    podSelector: { matchLabels: { tier: null, zone: 'b' } },
    ingress: [{ cidr: '10.0.0.1' }],
    egress: null,
    podIsolation: ['Ingress'],
  });
  assert.deepEqual(applyPatch(before, patch), JSON.parse(JSON.stringify(after)));
});

test('equal objects give an empty patch; a value that is not an object is replaced', () => {
  assert.deepEqual(mergePatch({ a: [1, 2], b: { c: 1 } }, { a: [1, 2], b: { c: 1 } }), {});
  assert.deepEqual(mergePatch({ a: { b: 1 } }, { a: 'x' }), { a: 'x' });
  assert.deepEqual(mergePatch({ a: 'x' }, { a: { b: 1 } }), { a: { b: 1 } });
});
