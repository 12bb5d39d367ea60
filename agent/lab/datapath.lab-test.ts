import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAgentReport, readEndpoints } from '../../server/lab/lab-store.ts';
import { enforced, requireLab } from '../../server/lab/lab-writes.ts';
import { formatCidr } from '../../server/net/ip.ts';
import { compilePodRules, identityOf } from '../datapath/compile.ts';
import { datapathOf } from '../datapath/introspect.ts';
import { datapathBuild, nodeDir } from '../datapath/pins.ts';
import { labApply, labPod, labUp } from './lab.ts';
import { nodeNetns } from './names.ts';
import { run } from './shell.ts';
import { chatter, reaches, startLab, stopLab, testPod } from './testing-lab.ts';

const policies = new URL('../../examples/walkthrough/policies/', import.meta.url).pathname;
const DENY_ALL = `${policies}01-deny-all-ingress.yaml`;
const ALLOW_CLIENT_ONE = `${policies}03-allow-ingress-from-samens-client-one.yaml`;
const app = () => labPod('default/demo-app').ip;

before(() => startLab());
after(() => stopLab());

test('no lab packet leaves the lab: outside addresses are unreachable and nothing links the lab to the host', async () => {
  for (const [host, port] of [
    ['192.0.2.1', '80/TCP'],
    ['8.8.8.8', '53/UDP'],
    ['10.0.0.1', '443/TCP'],
  ] as const) {
    assert.equal(await reaches('default/client-one', host, port, 300), false, `${host} ${port}`);
  }
  for (const node of requireLab().nodes) {
    // No default route: what is not a lab address has nowhere to go.
    assert.throws(() => run('ip', ['-n', nodeNetns(node.name), 'route', 'get', '192.0.2.1']), /unreachable/i);
    const routes = run('ip', ['-n', nodeNetns(node.name), 'route', 'show', 'default']);
    assert.equal(routes.trim(), '', `${node.name} has no default route`);
  }
  // Every lab interface lives in a lab namespace; the machine's own namespace has none of them.
  const hostLinks = run('ip', ['-o', 'link', 'show']);
  assert.doesNotMatch(hostLinks, /\b(pl[0-9a-f]{10}|plnode\d+|fabric0)\b/);
});

/** The ids of the lab's programs and maps, as bpftool sees them. */
function bpfObjects(): { programs: number[]; maps: number[] } {
  const programs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as {
    id: number;
    name?: string;
  }[];
  const maps = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8' })) as {
    id: number;
    name?: string;
  }[];
  const ours = /^(palisade_|ingress_rules|egress_rules|pod_state|conntrack|events|counters|deny_reported)/;
  return {
    programs: programs
      .filter((p) => ours.test(p.name ?? ''))
      .map((p) => p.id)
      .sort(),
    maps: maps
      .filter((m) => ours.test(m.name ?? ''))
      .map((m) => m.id)
      .sort(),
  };
}

test('an agent killed with SIGKILL during traffic leaves enforcement in place, and its successor adopts it', async () => {
  await labApply([DENY_ALL, ALLOW_CLIENT_ONE]);
  const before = bpfObjects();
  assert.ok(before.programs.length >= 8, 'two programs per pod');
  const node = labPod('default/demo-app').node;
  const pid = readAgentReport(node)?.pid;
  assert.ok(pid);
  // Traffic while the agent dies and is away.
  const traffic = (async () => {
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      const [allowed, denied] = await Promise.all([
        reaches('default/client-one', app(), '80/TCP', 400),
        reaches('another-ns/another-client-one', app(), '80/TCP', 400),
      ]);
      seen.push(`${allowed ? 'allowed' : 'DROPPED'}/${denied ? 'LEAKED' : 'denied'}`);
    }
    return seen;
  })();
  await sleep(300);
  process.kill(pid, 'SIGKILL');
  const seen = await traffic;
  assert.deepEqual(seen, Array(8).fill('allowed/denied'));
  // A new agent (lab up restarts what died) adopts the pinned programs instead of loading new ones.
  await labUp();
  await enforced(requireLab(), readEndpoints()?.generation ?? 0);
  const report = readAgentReport(node);
  assert.notEqual(report?.pid, pid);
  assert.ok(
    Object.values(report?.pods ?? {}).every((pod) => pod.adopted),
    'every pod adopted',
  );
  assert.deepEqual(bpfObjects(), before, 'bpftool shows the same programs and maps');
  assert.equal(await reaches('default/client-one', app(), '80/TCP'), true);
  assert.equal(await reaches('another-ns/another-client-one', app(), '80/TCP', 400), false);
});

test('an agent of another build does not adopt the pinned programs: every pod is loaded anew and enforced again', async () => {
  await labApply([DENY_ALL, ALLOW_CLIENT_ONE]);
  const node = labPod('default/demo-app').node;
  const before = bpfObjects();
  const pid = readAgentReport(node)?.pid;
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  // The pins say another build made them, as after an upgrade of the agent.
  const marker = `${nodeDir(node)}/build-${datapathBuild()}`;
  assert.ok(existsSync(marker), 'the node’s pins name the build that made them');
  renameSync(marker, `${nodeDir(node)}/build-0000000000000000`);
  assert.equal(await reaches('another-ns/another-client-one', app(), '80/TCP', 400), false, 'still enforced');
  await labUp();
  await enforced(requireLab(), readEndpoints()?.generation ?? 0);
  const report = readAgentReport(node);
  assert.notEqual(report?.pid, pid);
  assert.ok(
    Object.values(report?.pods ?? {}).every((pod) => !pod.adopted),
    'no pod adopted another build’s programs',
  );
  const programs = Object.values(report?.pods ?? {}).flatMap((pod) => [pod.ingressId, pod.egressId]);
  assert.ok(programs.length > 0 && programs.every((id) => !before.programs.includes(id)), 'new programs');
  assert.ok(existsSync(marker) && !existsSync(`${nodeDir(node)}/build-0000000000000000`));
  assert.equal(await reaches('default/client-one', app(), '80/TCP'), true);
  assert.equal(await reaches('another-ns/another-client-one', app(), '80/TCP', 400), false);
});

test('established connections: the ones a new policy denies are cut, the ones it allows go on', async () => {
  await labApply([], { replacePolicies: true });
  const kept = chatter('default/client-one', ['connect', app(), '80', '--every', '50']);
  const cut = chatter('another-ns/another-client-one', ['connect', app(), '80', '--every', '50']);
  try {
    await Promise.all([kept.ready(), cut.ready()]);
    await sleep(400);
    assert.ok(kept.received() > 0 && cut.received() > 0, 'both connections carry data before the policy');
    await labApply([DENY_ALL, ALLOW_CLIENT_ONE]);
    await sleep(200);
    const [keptAt, cutAt] = [kept.received(), cut.received()];
    await sleep(600);
    assert.ok(kept.received() > keptAt, 'the still-allowed connection keeps getting echoes');
    assert.equal(cut.received(), cutAt, 'the now-denied connection gets nothing back');
  } finally {
    kept.close();
    cut.close();
  }
});

test('rule updates are atomic: while rules are rewritten again and again, verdicts that stay the same never flicker', async () => {
  // The second variant changes demo-app's rules (one more allowed block), not these verdicts.
  const extra = join(mkdtempSync(join(tmpdir(), 'palisade-atomic-')), 'extra.yaml');
  writeFileSync(
    extra,
    'kind: NetworkPolicy\nmetadata: {name: extra, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: demo-app}}\n  ingress: [{from: [{ipBlock: {cidr: 10.99.0.0/16}}]}]\n',
  );
  const variants = [
    [DENY_ALL, ALLOW_CLIENT_ONE],
    [ALLOW_CLIENT_ONE, extra],
  ];
  const flipsBefore = podState('default/demo-app');
  let updating = true;
  const updates = (async () => {
    for (let i = 0; i < 30; i++) await labApply(variants[i % 2] ?? [], { replacePolicies: true });
    updating = false;
  })();
  const outcomes = new Set<string>();
  while (updating) {
    const [allowed, denied] = await Promise.all([
      reaches('default/client-one', app(), '80/TCP', 300),
      reaches('another-ns/another-client-one', app(), '80/TCP', 300),
    ]);
    outcomes.add(`${allowed}/${denied}`);
  }
  await updates;
  assert.deepEqual([...outcomes], ['true/false']);
  assert.notDeepEqual(podState('default/demo-app'), flipsBefore, 'the rules were rewritten');
});

/** A pod's live ingress rules, read from its pinned maps. */
function podState(key: string): string {
  return JSON.stringify(
    datapathOf(labPod(key))
      .liveRules('ingress')
      .map(({ map, block, ranges }) => [map, formatCidr(block), ranges]),
  );
}

test('a pod is open from attachment until its rules are programmed, or closed in strict mode', async () => {
  for (const [name, strict] of [
    ['late-open', false],
    ['late-strict', true],
  ] as const) {
    const key = `default/${name}`;
    const pod = await testPod(key, strict ? '10.77.2.201' : '10.77.2.200', ['9/TCP'], { strict });
    try {
      assert.equal(
        await reaches('default/client-one', pod.ip, '9/TCP', 400),
        !strict,
        `${name}: attached, not programmed`,
      );
      await pod.datapath.program(compilePodRules(identityOf(key, [pod.ip]), []));
      assert.equal(
        await reaches('default/client-one', pod.ip, '9/TCP', 400),
        true,
        `${name}: programmed, no policy`,
      );
    } finally {
      pod.remove();
    }
  }
});
