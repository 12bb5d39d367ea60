import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Interned } from './interned.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('one frozen instance per key, made once', () => {
  const interned = new Interned<{ value: number }>();
  let made = 0;
  const make = (value: number) => () => {
    made++;
    return { value };
  };
  const a = interned.of('a', make(1));
  assert.equal(interned.of('a', make(2)), a);
  assert.notEqual(interned.of('b', make(3)), a);
  assert.equal(made, 2);
  assert.ok(Object.isFrozen(a));
  assert.deepEqual(a, { value: 1 });
});

test('an instance nothing else holds is collected and its key forgotten', async () => {
  const interned = new Interned<{ value: number }>();
  (() => {
    interned.of('gone', () => ({ value: 1 }));
  })();
  const kept = interned.of('kept', () => ({ value: 2 }));
  for (let i = 0; i < 50 && interned.size > 1; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(interned.size, 1);
  assert.equal(
    interned.of('kept', () => ({ value: 3 })),
    kept,
  );
});
