import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { REASONS, TIERS } from '../datapath/layout.ts';
import { startLab, stopLab } from '../lab/testing-lab.ts';
import { palisade } from './testing-cli.ts';

const policies = new URL('../../examples/walkthrough/policies/', import.meta.url).pathname;

before(async () => {
  await startLab();
  assert.equal((await palisade('lab', 'apply', '-f', policies)).code, 0);
});
after(() => stopLab());

test('lab probe prints {connected, ms} and exits 0 either way; 2 on bad input', async () => {
  const allowed = await palisade('lab', 'probe', 'default/client-one', 'default/demo-app', '80', '--json');
  assert.equal(allowed.code, 0);
  assert.equal(JSON.parse(allowed.stdout).connected, true);
  assert.equal(typeof JSON.parse(allowed.stdout).ms, 'number');
  const denied = await palisade(
    'lab',
    'probe',
    'kube-system/coredns',
    '10.77.1.10',
    '80/TCP',
    '--json',
    '--timeout',
    '300',
  );
  assert.equal(denied.code, 0);
  assert.equal(JSON.parse(denied.stdout).connected, false);
  const throughService = await palisade(
    'lab',
    'probe',
    'default/client-one',
    'svc/default/demo-app',
    '80',
    '--json',
  );
  assert.equal(JSON.parse(throughService.stdout).connected, true, throughService.stderr);
  for (const args of [
    ['default/nobody', 'default/demo-app', '80'],
    ['default/client-one', 'default/demo-app', '80/ICMP'],
    ['default/client-one', 'default/demo-app'],
    ['default/client-one', 'svc/default/nothing', '80'],
    ['default/client-one', 'svc/default/demo-app', '81'],
  ]) {
    const bad = await palisade('lab', 'probe', ...args);
    assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  }
});

test('lab apply of a bad file changes nothing and names the file, object and field', async () => {
  const before = await palisade('ebpf', 'dump', 'default/demo-app', '--json');
  const bad = await palisade('lab', 'apply', '-f', `${policies}../cluster.yaml`);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /lab apply takes NetworkPolicies, ClusterNetworkPolicies, Services and Namespaces, not Pod default\/demo-app/,
  );
  const after = await palisade('ebpf', 'dump', 'default/demo-app', '--json');
  assert.deepEqual(JSON.parse(after.stdout).ingress, JSON.parse(before.stdout).ingress);
});

test('cluster tiers: lab apply enforces ClusterNetworkPolicies, ebpf dump shows each range’s action and tier, lab delete removes them', async () => {
  const tiers = new URL('../../examples/tiers/', import.meta.url).pathname;
  const applied = await palisade('lab', 'apply', '-f', tiers);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /ClusterNetworkPolicy isolate-another-ns applied/);
  const dump = JSON.parse((await palisade('ebpf', 'dump', 'another-ns/another-client-one', '--json')).stdout);
  assert.equal(
    dump.egress.mode,
    'enforce-open',
    'no NetworkPolicy isolates its egress: only the Admin tier applies',
  );
  const ranges = dump.egress.rules.flatMap(
    (rule: { ports: { action: string; tier: string; policy: string }[] }) => rule.ports,
  );
  assert.ok(
    ranges.some(
      (range: { action: string; tier: string; policy: string }) =>
        range.action === 'deny' && range.tier === 'Admin' && range.policy === 'isolate-another-ns',
    ),
    JSON.stringify(dump.egress),
  );
  const text = (await palisade('ebpf', 'dump', 'another-ns/another-client-one')).stdout;
  assert.match(text, /egress: enforce-open \(what no rule decides passes\)/);
  assert.match(text, /any:any deny \(Admin isolate-another-ns\)/);
  // The pod directly, and through its Service's ClusterIP (the egress hook sees that before the DNAT).
  const probe = async (to: string) =>
    JSON.parse(
      (
        await palisade(
          'lab',
          'probe',
          'another-ns/another-client-one',
          to,
          '80',
          '--json',
          '--timeout',
          '500',
        )
      ).stdout,
    ).connected;
  const targets = ['default/demo-app', 'svc/default/demo-app'];
  for (const to of targets)
    assert.equal(await probe(to), false, `the Admin Deny drops egress to default: ${to}`);
  const deleted = await palisade(
    'lab',
    'delete',
    'isolate-another-ns',
    'dns-for-everyone',
    'kube-system-closed',
  );
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /ClusterNetworkPolicy isolate-another-ns deleted/);
  for (const to of targets)
    assert.equal(
      await probe(to),
      true,
      `without it, the walkthrough’s policies let another-client-one reach demo-app: ${to}`,
    );
});

test('ebpf progs, maps and dump show what the kernel enforces, readable, with the policy of each entry', async () => {
  const progs = JSON.parse((await palisade('ebpf', 'progs', '--json')).stdout) as {
    pod: string;
    ingress?: { name: string };
  }[];
  assert.equal(progs.length, 4);
  assert.ok(progs.every((row) => row.ingress?.name === 'palisade_ingress'));
  const maps = JSON.parse((await palisade('ebpf', 'maps', '--json')).stdout) as {
    pods: { pod: string; ingressMode: string; ingressExact: number; ingressPrefixes: number }[];
  };
  const demo = maps.pods.find((row) => row.pod === 'default/demo-app');
  assert.equal(demo?.ingressMode, 'enforce');
  assert.ok((demo?.ingressExact ?? 0) > 0, 'the pod IPs its rules name are in the exact map');
  assert.equal(typeof demo?.ingressPrefixes, 'number', 'the trie is shown beside it');
  const dump = await palisade('ebpf', 'dump', 'default/client-one');
  assert.equal(dump.code, 0);
  assert.match(dump.stdout, /egress: enforce/);
  assert.match(
    dump.stdout,
    /10\.77\.2\.53\/32\s+exact\s+TCP:53 \(default\/client-one-allow-egress-demo-app\), UDP:53/,
  );
});

/**
 * `palisade ebpf flows ARGS…` once its output passes `done`, or after 3 s: the agents write what
 * they took every half second.
 */
async function flowsOnceThere(args: readonly string[], done: (stdout: string) => boolean): Promise<string> {
  for (const end = Date.now() + 3000; ; ) {
    const { stdout } = await palisade('ebpf', 'flows', ...args);
    if (done(stdout) || Date.now() > end) return stdout;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('ebpf flows shows each verdict with the tier and policy that decided it', async () => {
  await palisade('lab', 'probe', 'default/client-one', 'default/demo-app', '80');
  await palisade('lab', 'probe', 'kube-system/coredns', 'default/demo-app', '80', '--timeout', '200');
  const allowed =
    /default\/demo-app\s+ingress\s+ALLOW\s+10\.77\.2\.10:\d+\s+→ 10\.77\.1\.10:80\s+TCP\s+NetworkPolicy\s+default\/demo-app-allow-samens-client-one/;
  const denied =
    /default\/demo-app\s+ingress\s+DENY\s+10\.77\.2\.53:\d+\s+→ 10\.77\.1\.10:80\s+TCP\s+NetworkPolicy\s+no rule allows it/;
  const stdout = await flowsOnceThere([], (text) => allowed.test(text) && denied.test(text));
  assert.match(stdout, allowed);
  assert.match(stdout, denied);
});

test('ebpf flows names a flow to a ClusterIP by its Service and the backend that took it', async () => {
  await palisade('lab', 'probe', 'default/client-one', 'svc/default/demo-app', '80');
  const flows = (await flowsOnceThere(['--json'], (text) => text.includes('"dst":"10.96.0.80"')))
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as {
          pod: string;
          direction: string;
          dst: string;
          service?: string;
          peer?: string;
          reason: string;
          tier: string;
          family: number;
        },
    );
  assert.ok(
    flows.every(
      (flow) =>
        (REASONS as readonly string[]).includes(flow.reason) &&
        (TIERS as readonly string[]).includes(flow.tier) &&
        flow.family === 4,
    ),
    'each flow says why the kernel decided, the tier that did, and its family',
  );
  const toService = flows.filter((flow) => flow.pod === 'default/client-one' && flow.dst === '10.96.0.80');
  assert.ok(toService.length > 0, 'the client’s flows to the ClusterIP are there');
  for (const flow of toService)
    assert.deepEqual([flow.service, flow.peer], ['default/demo-app', 'default/demo-app']);
  const text = (await palisade('ebpf', 'flows')).stdout;
  assert.match(
    text,
    /→ 10\.96\.0\.80:80\s+TCP\s+NetworkPolicy\s+\S+\s+\(svc\/default\/demo-app → default\/demo-app\)/,
  );
});

test('each agent serves Prometheus metrics: verdicts by direction and policy, kernel counters, map fill', async () => {
  await palisade('lab', 'probe', 'default/client-one', 'default/demo-app', '80');
  const text = await (await fetch('http://127.0.0.1:9471/metrics')).text();
  assert.match(
    text,
    /palisade_flow_verdicts_total\{node="lab-node-1",direction="ingress",verdict="allow",tier="NetworkPolicy",policy="default\/demo-app-allow-samens-client-one"\} [1-9]/,
  );
  assert.match(text, /palisade_lost_events_total\{node="lab-node-1"\} \d+/);
  assert.match(
    text,
    /palisade_map_fill_ratio\{node="lab-node-1",pod="default\/demo-app",map="ingress_exact_[01]"\} 0\.0\d+/,
  );
});
