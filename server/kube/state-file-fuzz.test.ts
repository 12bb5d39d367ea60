import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { palisade } from '../../agent/cli/testing-cli.ts';
import { parseState, readStateObjects, StateFileError } from './state-file.ts';

/**
 * The state-file reader behind every `palisade policy` command, and the editor's and the API's
 * policy bodies, given random and malformed text: it reads it or throws a StateFileError naming the
 * file (and the line, document, object and field when known), and nothing else.
 */

const CLUSTER = readFileSync(new URL('../../examples/walkthrough/cluster.yaml', import.meta.url), 'utf8');
const LAUGHS = readFileSync(new URL('testdata/billion-laughs.yaml', import.meta.url), 'utf8');

/** Kubernetes-ish objects with any value where a field goes. */
const objectArb = fc.record(
  {
    apiVersion: fc.constantFrom('v1', 'networking.k8s.io/v1', 'networking.k8s.aws/v1alpha1'),
    kind: fc.constantFrom('Namespace', 'Pod', 'NetworkPolicy', 'PolicyEndpoint', 'List', 'PodList', 'Secret'),
    metadata: fc.oneof(
      fc.record(
        { name: fc.string(), namespace: fc.string(), labels: fc.anything({ maxDepth: 1 }) },
        { requiredKeys: [] },
      ),
      fc.anything({ maxDepth: 2 }),
    ),
    spec: fc.anything({ maxDepth: 4 }),
    status: fc.anything({ maxDepth: 2 }),
    items: fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
/** The walkthrough's cluster file, cut and mended at random places. */
const mangled = fc
  .array(fc.tuple(fc.nat(CLUSTER.length), fc.nat(30), fc.string({ maxLength: 10 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((edits) =>
    edits.reduce((text, [at, cut, put]) => text.slice(0, at) + put + text.slice(at + cut), CLUSTER),
  );
const textArb = fc.oneof(
  mangled,
  fc.array(objectArb, { maxLength: 4 }).map((objects) => objects.map((object) => dump(object)).join('---\n')),
  fc.array(objectArb, { maxLength: 3 }).map((objects) => JSON.stringify({ kind: 'List', items: objects })),
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.nat(500).map((depth) => `${'- '.repeat(depth)}x`),
  fc.nat(500).map((depth) => `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constantFrom(
    LAUGHS,
    'a: &x 1\nb: *x\n',
    'a: !!js/function "() => 1"\n',
    '? [a]\n: b\n',
    '%YAML 9.9\n---\na: 1\n',
    '\ufeffa: 1',
  ),
);

test('random and malformed state files are read or refused with a StateFileError, never anything else', () => {
  fc.assert(
    fc.property(textArb, (text) => {
      try {
        parseState(text, 'state.yaml');
      } catch (error) {
        assert.ok(error instanceof StateFileError, `not a StateFileError: ${(error as Error)?.stack}`);
        assert.match(error.message, /^state\.yaml: /);
        assert.doesNotMatch(error.message, /\n {4}at /, 'no stack trace');
      }
    }),
    { numRuns: 2000 },
  );
});

test('YAML aliases are refused: a billion laughs is one line of error', () => {
  assert.throws(
    () => parseState(LAUGHS, 'laughs.yaml'),
    (error) =>
      error instanceof StateFileError &&
      error.message === 'laughs.yaml: line 3: invalid YAML: aliases (*name) are not taken' &&
      error.at.line === 3,
  );
});

test('the CLI exits 2 with one line naming the file for a billion laughs, binary junk or deep nesting', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'palisade-state-fuzz-'));
  const files = {
    'laughs.yaml': LAUGHS,
    'junk.yaml': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    'deep.yaml': `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  };
  await Promise.all(
    Object.entries(files).map(async ([name, content]) => {
      const path = join(folder, name);
      writeFileSync(path, content);
      const { code, stdout, stderr } = await palisade('policy', 'matrix', '--state', path, '--json');
      assert.equal(code, 2, `${name}: ${stderr}`);
      assert.equal(stdout, '');
      assert.match(stderr, new RegExp(`^palisade: ${path}: [^\\n]+\\n$`), name);
    }),
  );
  assert.throws(
    () => readStateObjects([join(folder, 'missing.yaml')]),
    /missing\.yaml: cannot read: no such file/,
  );
});
