import assert from 'node:assert/strict';
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
    const exec = await palisade('lab', 'exec', 'default/client-one', '--', 'true');
    assert.equal(exec.code, 2);
    assert.match(exec.stderr, /lab exec needs the eBPF lab/);
    assert.match((await palisade('ebpf', 'progs')).stderr, /no eBPF datapath here: the lab is simulated/);
  } finally {
    await palisade('lab', 'down');
  }
});
