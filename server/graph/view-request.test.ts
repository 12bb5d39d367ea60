import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNarrowed, labelsMatch, viewFromQuery, viewToQuery } from './view-request.ts';

test('a view request survives the round trip through the URL', () => {
  const request = {
    view: 'graph',
    level: 'pod',
    namespace: 'a,b',
    search: 'web',
    port: '80/TCP',
    deniedOnly: true,
    isolatedOnly: true,
  } as const;
  assert.equal(
    viewToQuery(request),
    '?view=graph&level=pod&namespace=a%2Cb&search=web&port=80%2FTCP&deniedOnly=1&isolatedOnly=1',
  );
  assert.deepEqual(viewFromQuery(viewToQuery(request)), request);
  assert.equal(viewToQuery({}), '');
  assert.deepEqual(viewFromQuery('?view=auto&level=auto'), {}, 'auto is the absence of a choice');
  assert.equal(isNarrowed({ port: '80/TCP', deniedOnly: true }), false);
  assert.equal(isNarrowed({ focus: 'a/b' }), true);
});

test('the server refuses values out of range, naming the field; the page drops them', () => {
  assert.throws(() => viewFromQuery('?view=sideways', true), /view: must be one of auto, matrix, graph/);
  assert.throws(() => viewFromQuery('?port=80', true), /port: must be a port from 1 to 65535 and a protocol/);
  assert.throws(() => viewFromQuery('?port=99999/TCP', true), /port: must be a port from 1 to 65535/);
  assert.throws(() => viewFromQuery('?labels=app in (web)', true), /labels: "app in \(web\)" is not a term/);
  assert.throws(() => viewFromQuery('?labels=app=web,=x', true), /labels: "=x" is not a term/);
  assert.deepEqual(viewFromQuery('?labels=app=web, tier!=db,!legacy,team', true), {
    labels: 'app=web, tier!=db,!legacy,team',
  });
  assert.deepEqual(viewFromQuery('?view=sideways&port=80&labels=a in (b)'), {});
});

test('a label selector as kubectl -l takes it', () => {
  const labels = { app: 'web', tier: 'frontend' };
  assert.equal(labelsMatch('app=web', labels), true);
  assert.equal(labelsMatch('app==web, tier!=db', labels), true);
  assert.equal(labelsMatch('app=api', labels), false);
  assert.equal(labelsMatch('tier', labels), true);
  assert.equal(labelsMatch('!tier', labels), false);
  assert.equal(labelsMatch('!legacy,app', labels), true);
  assert.equal(labelsMatch('', labels), true);
});
