import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelsMatch } from '../graph/view-request.ts';
import { decodeLabelSelector } from '../kube/label-selector.ts';
import { selectorMatches } from './selector.ts';

const selector = (raw: unknown) => decodeLabelSelector(raw, 'spec.podSelector');
const web = { app: 'web' };

test('label keys that name what every object inherits (constructor, toString) are labels like any other', () => {
  for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    const exists = selector({ matchExpressions: [{ key, operator: 'Exists' }] });
    const absent = selector({ matchExpressions: [{ key, operator: 'DoesNotExist' }] });
    assert.equal(selectorMatches(exists, web), false, `${key} Exists on a pod without it`);
    assert.equal(selectorMatches(absent, web), true, `${key} DoesNotExist on a pod without it`);
    assert.equal(labelsMatch(key, web), false, `-l ${key}`);
    assert.equal(labelsMatch(`!${key}`, web), true, `-l !${key}`);
  }
  const labelled = { app: 'web', constructor: 'x' };
  assert.equal(selectorMatches(selector({ matchLabels: { constructor: 'x' } }), labelled), true);
  assert.equal(selectorMatches(selector({ matchLabels: { constructor: 'x' } }), web), false);
  assert.equal(
    selectorMatches(
      selector({ matchExpressions: [{ key: 'constructor', operator: 'NotIn', values: ['x'] }] }),
      web,
    ),
    true,
  );
  assert.equal(labelsMatch('constructor=x', labelled), true);
  assert.equal(labelsMatch('constructor!=x', web), true);
});
