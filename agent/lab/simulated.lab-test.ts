import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { palisade } from '../cli/testing-cli.ts';

const policies = new URL('../../examples/walkthrough/policies/', import.meta.url).pathname;

test('the simulated datapath (what runs without root or BPF) says so and answers from the model', async () => {
  try {
    await palisade('lab', 'down');
    const up = await palisade('lab', 'up', '--simulated');
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /SIMULATED datapath \(asked for/);
    assert.match((await palisade('lab', 'status')).stdout, /^datapath: SIMULATED/m);
    const open = await palisade('lab', 'probe', 'default/client-one', 'default/demo-app', '80');
    assert.match(open.stdout, /connected \(simulated/);
    const applied = await palisade('lab', 'apply', '-f', `${policies}01-deny-all-ingress.yaml`);
    assert.match(applied.stdout, /the datapath is simulated, so nothing is enforced/);
    const denied = await palisade('lab', 'probe', 'default/client-one', 'default/demo-app', '80', '--json');
    assert.deepEqual(JSON.parse(denied.stdout), { connected: false, ms: 0, simulated: true });
    const outside = await palisade('lab', 'probe', 'default/client-one', '192.0.2.1', '80', '--json');
    assert.equal(
      JSON.parse(outside.stdout).connected,
      false,
      'no lab packet leaves the lab, simulated or not',
    );
    // Applied as kubectl applies: a namespace the lab does not have, or a misspelt field, is refused.
    const folder = mkdtempSync(join(tmpdir(), 'palisade-apply-'));
    const file = (name: string, text: string) => {
      writeFileSync(join(folder, name), text);
      return join(folder, name);
    };
    const policy = (namespace: string, spec: string) =>
      `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: ${namespace}}\nspec: ${spec}\n`;
    const stray = await palisade(
      'lab',
      'apply',
      '-f',
      file('stray.yaml', policy('nowhere', '{podSelector: {}}')),
    );
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /NetworkPolicy nowhere\/p: namespace "nowhere" not found in the lab/);
    const typo = await palisade(
      'lab',
      'apply',
      '-f',
      file('typo.yaml', policy('default', '{podSelector: {}, ingres: []}')),
    );
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /spec\.ingres: unknown field \(did you mean ingress\?\)/);
    const withNamespace = `apiVersion: v1\nkind: Namespace\nmetadata: {name: nowhere}\n---\n${policy('nowhere', '{podSelector: {}}')}`;
    assert.equal((await palisade('lab', 'apply', '-f', file('both.yaml', withNamespace))).code, 0);
    const missing = await palisade('lab', 'delete', 'default/no-such-policy');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no NetworkPolicy default\/no-such-policy in the lab/);
    const exec = await palisade('lab', 'exec', 'default/client-one', '--', 'true');
    assert.equal(exec.code, 2);
    assert.match(exec.stderr, /lab exec needs the eBPF lab/);
    assert.match((await palisade('ebpf', 'progs')).stderr, /no eBPF datapath here: the lab is simulated/);
  } finally {
    await palisade('lab', 'down');
  }
});
