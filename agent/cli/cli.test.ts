import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseState } from '../../server/kube/state-file.ts';
import { frameOf } from '../record-batch.ts';
import { recordsOf, testEvent } from '../testing-records.ts';
import { palisade, palisadeToClosedPipe, palisadeWith } from './testing-cli.ts';

const walkthrough = new URL('../../examples/walkthrough/', import.meta.url).pathname;

const state = ['--state', `${walkthrough}cluster.yaml`, '--state', `${walkthrough}policies`];

test('policy matrix --json prints the contract: ports and one verdict per ordered pod pair and port', async () => {
  const { code, stdout } = await palisade('policy', 'matrix', ...state, '--ports', '80/TCP,53/UDP', '--json');
  assert.equal(code, 0);
  const matrix = JSON.parse(stdout);
  assert.deepEqual(matrix.ports, ['80/TCP', '53/UDP']);
  assert.equal(matrix.verdicts.length, 4 * 3 * 2);
  const find = (from: string, to: string, port: number) =>
    matrix.verdicts.find(
      (v: { from: string; to: string; port: number }) => v.from === from && v.to === to && v.port === port,
    );
  assert.deepEqual(find('default/client-one', 'default/demo-app', 80), {
    from: 'default/client-one',
    to: 'default/demo-app',
    port: 80,
    protocol: 'TCP',
    allowed: true,
    egress: { allowed: true, tier: 'NetworkPolicy', policies: ['default/client-one-allow-egress-demo-app'] },
    ingress: { allowed: true, tier: 'NetworkPolicy', policies: ['default/demo-app-allow-samens-client-one'] },
  });
  assert.deepEqual(find('kube-system/coredns', 'default/demo-app', 80)?.ingress, {
    allowed: false,
    tier: 'NetworkPolicy',
    // Sorted by name, whatever order the state files list them in.
    policies: [
      'default/demo-app-allow-another-ns',
      'default/demo-app-allow-samens-client-one',
      'default/demo-app-deny-all',
    ],
  });
  assert.deepEqual(find('default/demo-app', 'kube-system/coredns', 53)?.egress, {
    allowed: true,
    tier: 'None',
    policies: [],
  });
});

const tiers = [...state, '--state', new URL('../../examples/tiers/', import.meta.url).pathname];

test('policy matrix and eval with ClusterNetworkPolicies name the deciding tier, policy and rule', async () => {
  const { code, stdout } = await palisade('policy', 'matrix', ...tiers, '--ports', '80/TCP,53/UDP', '--json');
  assert.equal(code, 0);
  const verdicts: { from: string; to: string; port: number; egress: unknown; ingress: unknown }[] =
    JSON.parse(stdout).verdicts;
  const find = (from: string, to: string, port: number) =>
    verdicts.find((v) => v.from === from && v.to === to && v.port === port);
  // The Admin Deny comes before demo-app's NetworkPolicy, which allows another-ns in.
  assert.deepEqual(find('another-ns/another-client-one', 'default/demo-app', 80)?.egress, {
    allowed: false,
    tier: 'Admin',
    policies: ['isolate-another-ns'],
  });
  // kube-system is isolated by no NetworkPolicy: the Baseline tier decides, DNS first (priority 10).
  assert.deepEqual(find('default/demo-app', 'kube-system/coredns', 53)?.ingress, {
    allowed: true,
    tier: 'Baseline',
    policies: ['dns-for-everyone'],
  });
  assert.deepEqual(find('default/demo-app', 'kube-system/coredns', 80)?.ingress, {
    allowed: false,
    tier: 'Baseline',
    policies: ['kube-system-closed'],
  });
  const text = await palisade(
    'policy',
    'eval',
    ...tiers,
    '--from',
    'another-ns/another-client-one',
    '--to',
    'default/demo-app',
    '--port',
    '80',
  );
  assert.equal(text.code, 0);
  assert.match(
    text.stdout,
    /egress: denied \(Admin tier\) — egress denied in the Admin tier by ClusterNetworkPolicy isolate-another-ns \(priority 10\) egress rule 0 "no-default" \(Deny\)/,
  );
  const json = await palisade(
    'policy',
    'eval',
    ...tiers,
    '--from',
    'default/client-one',
    '--to',
    'kube-system/coredns',
    '--port',
    '53/UDP',
    '--json',
  );
  const verdict = JSON.parse(json.stdout);
  assert.equal(verdict.allowed, true);
  assert.equal(verdict.ingress.tier, 'Baseline');
  assert.deepEqual(verdict.ingress.decidedBy, {
    tier: 'Baseline',
    policy: 'dns-for-everyone',
    priority: 10,
    rule: 0,
    ruleName: 'dns',
    action: 'Accept',
    peer: 0,
    port: 0,
  });
});

test('policy matrix without --json draws one grid per port', async () => {
  const { code, stdout } = await palisade('policy', 'matrix', ...state, '--ports', '80');
  assert.equal(code, 0);
  assert.match(stdout, /^80\/TCP/);
  assert.match(stdout, /default\/client-one\s+2\s+\.\s+-\s+X\s+X/);
});

test('policy eval explains one verdict, to a pod or to an address', async () => {
  const denied = await palisade(
    'policy',
    'eval',
    ...state,
    '--from',
    'default/client-one',
    '--to',
    'another-ns/another-client-one',
    '--port',
    '80',
  );
  assert.equal(denied.code, 0);
  assert.match(denied.stdout, /DENIED/);
  assert.match(denied.stdout, /default\/client-one-deny-egress: has no egress rules/);
  const json = await palisade(
    'policy',
    'eval',
    ...state,
    '--from',
    'default/client-one',
    '--to',
    '10.77.2.53',
    '--port',
    '53/udp',
    '--json',
  );
  assert.equal(json.code, 0);
  const verdict = JSON.parse(json.stdout);
  assert.equal(verdict.to, 'kube-system/coredns');
  assert.equal(verdict.allowed, true);
  assert.deepEqual(verdict.egress.allowedBy, [
    { policy: 'default/client-one-allow-egress-demo-app', rule: 0, peer: 0, port: 0 },
  ]);
  const outside = await palisade(
    'policy',
    'eval',
    ...state,
    '--from',
    'default/client-one',
    '--to',
    '192.0.2.1',
    '--port',
    '443',
    '--json',
  );
  assert.equal(JSON.parse(outside.stdout).allowed, false);
  assert.equal(JSON.parse(outside.stdout).ingress.enforced, false);
});

test('policy eval through a Service: --to svc/NS/NAME or a ClusterIP, the port being the service port', async () => {
  const args = ['policy', 'eval', ...state, '--from', 'default/client-one'];
  const byName = await palisade(...args, '--to', 'svc/default/demo-app', '--port', '80', '--json');
  assert.equal(byName.code, 0, byName.stderr);
  const verdict = JSON.parse(byName.stdout);
  assert.deepEqual(
    [verdict.service, verdict.clusterIP, verdict.port, verdict.targetPort, verdict.allowed],
    ['svc/default/demo-app', '10.96.0.80', 80, 'http', true],
  );
  assert.deepEqual(verdict.egress.policies, ['default/client-one-allow-egress-demo-app']);
  assert.deepEqual(
    verdict.backends.map((b: { pod: string; targetPort: number }) => `${b.pod}:${b.targetPort}`),
    ['default/demo-app:80'],
  );
  const byAddress = await palisade(...args, '--to', '10.96.0.10', '--port', '53/UDP');
  assert.equal(byAddress.code, 0, byAddress.stderr);
  assert.match(
    byAddress.stdout,
    /^default\/client-one → svc\/kube-system\/kube-dns 10\.96\.0\.10:53\/UDP .*: ALLOWED/,
  );
  assert.match(byAddress.stdout, /backend kube-system\/coredns 10\.77\.2\.53:53: allowed/);
  const other = await palisade(
    'policy',
    'eval',
    ...state,
    '--from',
    'another-ns/another-client-one',
    '--to',
    'svc/default/demo-app',
    '--port',
    '80',
  );
  assert.match(other.stdout, /ALLOWED/);
});

test('policy endpoints prints PolicyEndpoints that read back as AWS’s schema', async () => {
  const { code, stdout } = await palisade('policy', 'endpoints', ...state);
  assert.equal(code, 0);
  const endpoints = parseState(stdout, 'out.yaml');
  assert.deepEqual(
    endpoints.map((object) => object.kind === 'PolicyEndpoint' && object.spec.policyRef.name),
    [
      'client-one-allow-egress-demo-app',
      'client-one-deny-egress',
      'demo-app-allow-another-ns',
      'demo-app-allow-samens-client-one',
      'demo-app-deny-all',
    ],
  );
  // With ClusterNetworkPolicies, their ClusterPolicyEndpoints follow, and read back as AWS's schema too.
  const tiered = await palisade('policy', 'endpoints', ...tiers);
  assert.equal(tiered.code, 0);
  const clusterEndpoints = parseState(tiered.stdout, 'out.yaml').flatMap((object) =>
    object.kind === 'ClusterPolicyEndpoint' ? [object] : [],
  );
  assert.deepEqual(
    clusterEndpoints.map((endpoint) => [
      endpoint.spec.policyRef.name,
      endpoint.spec.tier,
      endpoint.spec.priority,
    ]),
    [
      ['dns-for-everyone', 'Baseline', 10],
      ['isolate-another-ns', 'Admin', 10],
      ['kube-system-closed', 'Baseline', 20],
    ],
  );
});

/** Runs the CLI expecting exit 2 and a single line on stderr matching `message`. */
async function badInput(args: string[], message: RegExp) {
  const { code, stdout, stderr } = await palisade(...args);
  assert.equal(code, 2, stderr);
  assert.equal(stdout, '');
  assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
  assert.match(stderr, message);
  assert.doesNotMatch(stderr, /\s+at\s.+:\d+:\d+/, 'no stack trace');
}

test('bad input exits 2 with one line naming the file, object and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    'kind: NetworkPolicy\nmetadata: {name: p, namespace: n}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}]}]\n',
  );
  await badInput(
    ['policy', 'matrix', '--state', bad],
    /^palisade: .*bad\.yaml: document 1: NetworkPolicy n\/p: spec\.ingress\[0\]\.from\[0\]\.ipBlock\.except\[0\]: .*strict subset/,
  );
  await badInput(['policy', 'matrix', '--state', join(dir, 'missing.yaml')], /missing\.yaml: cannot read/);
  await badInput(['policy', 'matrix'], /missing --state/);
  await badInput(
    ['policy', 'matrix', ...state, '--ports', '80/ICMP'],
    /--ports: unsupported protocol "ICMP"/,
  );
  await badInput(
    ['policy', 'eval', ...state, '--from', 'default/nobody', '--to', 'default/demo-app', '--port', '80'],
    /--from: no pod default\/nobody/,
  );
  await badInput(
    ['policy', 'eval', ...state, '--from', 'default/client-one', '--to', 'default/demo-app', '--port', '0'],
    /--port: "0" is not a port/,
  );
  const evalTo = (to: string, port: string) => [
    'policy',
    'eval',
    ...state,
    '--from',
    'default/client-one',
    '--to',
    to,
    '--port',
    port,
  ];
  await badInput(evalTo('svc/default/nothing', '80'), /--to: no Service default\/nothing in the state/);
  await badInput(
    evalTo('svc/default/demo-app', '81/UDP'),
    /--port: svc\/default\/demo-app has no port 81\/UDP \(it listens on 80\/TCP\)/,
  );
  const headless = join(dir, 'headless.yaml');
  writeFileSync(
    headless,
    'kind: Service\nmetadata: {name: h, namespace: default}\nspec: {clusterIP: None}\n',
  );
  await badInput(
    [
      'policy',
      'eval',
      ...state,
      '--state',
      headless,
      '--from',
      'default/client-one',
      '--to',
      'svc/default/h',
      '--port',
      '80',
    ],
    /--to: svc\/default\/h has no ClusterIP \(headless/,
  );
  await badInput(
    ['policy', 'frobnicate'],
    /unknown command "policy frobnicate".*; see palisade policy --help$/m,
  );
  await badInput(['policy', 'frobnicate', '--help'], /unknown command "policy frobnicate"/);
  await badInput(['frobnicate'], /^palisade: unknown command "frobnicate"; see palisade --help$/m);
  // The command and its arguments are checked before anything asks the lab (none is up here).
  await badInput(['ebpf', 'bogus'], /^palisade: unknown command "ebpf bogus"; expected progs/m);
  await badInput(['ebpf'], /^palisade: missing command; expected progs, maps, dump or flows/m);
  await badInput(['ebpf', 'dump'], /expected one NS\/POD/);
  await badInput(['policy'], /^palisade: missing command; expected matrix, eval or endpoints/m);
  await badInput(
    ['lab', 'probe', 'default/a', 'default/b', '80/ICMP'],
    /--port: unsupported protocol "ICMP"/,
  );
  await badInput(['controller', '--kubeconfig', '/nonexistent/kubeconfig'], /--kubeconfig: no file/);
  await badInput(
    ['policy', 'matrix', ...state, '--bogus'],
    /Unknown option '--bogus'; see palisade policy matrix --help$/m,
  );
  // An empty value (an unset shell variable) is no value, not a call for the default.
  await badInput(['policy', 'matrix', ...state, '--ports', ''], /--ports: empty value/);
  await badInput(
    ['controller', '--kubeconfig', ''],
    /^palisade: --kubeconfig: empty value; see palisade controller --help$/m,
  );
  await badInput(
    [...evalTo('default/demo-app', '80'), '--to', 'kube-system/coredns'],
    /^palisade: --to given twice; see palisade policy eval --help$/m,
  );
});

test('a flag of one value given twice is refused; --state, which may be repeated, is not', async () => {
  await badInput(['policy', 'matrix', ...state, '--ports', '80', '--ports', '81'], /--ports given twice/);
  const { code } = await palisade('policy', 'endpoints', ...state, '--json', '--json');
  assert.equal(code, 0, 'a switch said twice is still one switch');
});

test('--help or -h after a command prints that command’s usage on stdout, exit 0', async () => {
  const top = await palisade('--help');
  assert.equal(top.code, 0);
  const usageLines = new Set(top.stdout.split('\n'));
  // No lab here: help for the lab's commands needs none.
  const noLab = { PALISADE_LAB_DIR: mkdtempSync(join(tmpdir(), 'palisade-no-lab-')) };
  const cases: [string[], string[]][] = [
    [
      ['policy', '--help'],
      ['palisade policy matrix', 'palisade policy eval', 'palisade policy endpoints'],
    ],
    [['policy', 'matrix', '--help'], ['palisade policy matrix']],
    [['policy', 'eval', ...state, '-h'], ['palisade policy eval']],
    [['controller', '--help'], ['palisade controller']],
    [
      ['lab', '--help'],
      ['up', 'down', 'status', 'apply', 'delete', 'exec', 'probe'].map((verb) => `palisade lab ${verb}`),
    ],
    [['lab', 'up', '--help'], ['palisade lab up']],
    [['ebpf', '--help'], ['progs', 'maps', 'dump', 'flows'].map((verb) => `palisade ebpf ${verb}`)],
    [['help', 'lab', 'probe'], ['palisade lab probe']],
  ];
  for (const [args, commands] of cases) {
    const { code, stdout, stderr } = await palisadeWith(noLab, ...args);
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    assert.equal(stderr, '');
    assert.match(stdout, /^usage:\n/);
    const named = stdout.split('\n').flatMap((line) => /^palisade( [a-z]+)+/.exec(line)?.[0] ?? []);
    assert.deepEqual(named, commands, args.join(' '));
    // The same text as the top-level usage, not a copy of it.
    for (const line of stdout.split('\n')) assert.ok(usageLines.has(line), `${args.join(' ')}: ${line}`);
  }
  // After `--`, -h is the command's, that lab exec runs.
  const exec = await palisadeWith(noLab, 'lab', 'exec', 'default/demo-app', '--', 'curl', '-h');
  assert.equal(exec.stdout, '');
  assert.match(exec.stderr, /the lab is not up/);
});

test('palisade alone prints the usage on stderr and exits 2', async () => {
  const [top, bare] = await Promise.all([palisade('--help'), palisade()]);
  assert.equal(bare.code, 2);
  assert.equal(bare.stdout, '');
  assert.equal(bare.stderr, top.stdout);
});

test('a reader that goes away ends the output quietly, with no stack trace', async () => {
  // Far more than a pipe holds, so that writes meet the closed pipe.
  const ports = Array.from({ length: 500 }, (_, i) => i + 1).join(',');
  const { code, stderr } = await palisadeToClosedPipe(
    'policy',
    'matrix',
    ...state,
    '--ports',
    ports,
    '--json',
  );
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('a 10 MB state file is read and answered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-big-'));
  const file = join(dir, 'big.yaml');
  const documents: string[] = [];
  let size = 0;
  for (let i = 0; size < 10 * 1024 * 1024; i++) {
    const document = `apiVersion: v1
kind: Pod
metadata:
  name: pod-${i}
  namespace: ns-${i % 50}
  labels: {app: app-${i % 40}, tier: tier-${i % 3}, generation: "${i}"}
spec:
  nodeName: node-${i % 10}
  containers:
    - name: main
      image: registry.example/app:1.0.${i % 7}
      ports: [{name: http, containerPort: 8080, protocol: TCP}]
status: {podIP: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, hostIP: 10.250.0.${i % 10}, phase: Running}
`;
    documents.push(document);
    size += document.length + 4;
  }
  documents.push(`kind: NetworkPolicy
metadata: {name: web, namespace: ns-1}
spec:
  podSelector: {matchLabels: {tier: tier-1}}
  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: app-3}}}], ports: [{port: http}]}]`);
  writeFileSync(file, documents.join('---\n'));
  const { code, stdout, stderr } = await palisade(
    'policy',
    'eval',
    '--state',
    file,
    '--from',
    'ns-3/pod-3',
    '--to',
    'ns-1/pod-1',
    '--port',
    '8080',
    '--json',
  );
  assert.equal(code, 0, stderr);
  assert.equal(JSON.parse(stdout).ingress.policies[0], 'ns-1/web');
  const endpoints = await palisade('policy', 'endpoints', '--state', file, '--json');
  assert.equal(endpoints.code, 0, endpoints.stderr);
  assert.ok(JSON.parse(endpoints.stdout).items[0].spec.ingress.length > 100);
});

test('dual stack: policy eval --to either address of a pod names that pod, and judges the packet in that family', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'palisade-dual-'));
  const file = join(folder, 'dual.yaml');
  const pod = (name: string, ips: string[]) =>
    JSON.stringify({
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: name } },
      spec: { containers: [{ name: 'main', ports: [{ containerPort: 80 }] }] },
      status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
    });
  writeFileSync(
    file,
    [
      pod('server', ['fd00:77::1', '10.77.0.1']),
      pod('client', ['fd00:77::2', '10.77.0.2']),
      'kind: NetworkPolicy\nmetadata: {name: server-from-v4-client, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: server}}\n  ingress: [{from: [{ipBlock: {cidr: 10.77.0.2/32}}]}]',
    ].join('\n---\n'),
  );
  const evalTo = async (to: string) => {
    const run = await palisade(
      'policy',
      'eval',
      '--state',
      file,
      '--from',
      'default/client',
      '--to',
      to,
      '--port',
      '80',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as { to: string; allowed: boolean };
  };
  // The IPv4 packet comes from the client's IPv4 address, which the ipBlock allows; the IPv6 one does not.
  const [v4, v6, v6Long, byName] = await Promise.all(
    ['10.77.0.1', 'fd00:77::1', 'fd00:77:0:0::1', 'default/server'].map(evalTo),
  );
  assert.deepEqual([v4?.to, v4?.allowed], ['default/server', true]);
  assert.deepEqual([v6?.to, v6?.allowed], ['default/server', false]);
  assert.equal(v6Long?.to, 'default/server');
  assert.equal(byName?.allowed, false, 'by name: the primary (IPv6) addresses');
  const endpoints = await palisade('policy', 'endpoints', '--state', file);
  assert.match(endpoints.stdout, /podIP: 10\.77\.0\.1\n[\s\S]*podIP: fd00:77::1\n/);
});

test('ebpf flows prints the tier and the policy that decided each flow, in text and in JSON', async () => {
  // A lab folder of this test's own: an eBPF lab's record, and one node's flow file as its agent writes it.
  const lab = mkdtempSync(join(tmpdir(), 'palisade-cli-flows-'));
  const record = { nodes: [{ name: 'lab-node-1', index: 1 }], pods: [], processes: [], strict: false };
  writeFileSync(join(lab, 'lab.json'), JSON.stringify({ ...record, datapath: 'ebpf' }));
  const deny = { verdict: 'deny', kind: 'denied' } as const;
  const records = recordsOf(
    [
      testEvent(1, { ...deny, direction: 'egress', podId: 2, tier: 'Admin', ruleId: 7, dst: '10.77.1.10' }),
      testEvent(2, { tier: 'Baseline', ruleId: 8, dport: 53, protocol: 17 }),
      testEvent(3, { tier: 'NetworkPolicy', ruleId: 9 }),
      testEvent(4, { ...deny, tier: 'NetworkPolicy' }),
      testEvent(5, { reason: 'node' }),
    ],
    {
      pods: { 1: 'default/demo-app', 2: 'another-ns/another-client-one' },
      policies: {
        7: 'isolate-another-ns',
        8: 'dns-for-everyone',
        9: 'default/demo-app-allow-samens-client-one',
      },
    },
  );
  writeFileSync(join(lab, 'flows-lab-node-1.frames'), frameOf({ node: 'lab-node-1' }, [records]));
  const text = await palisadeWith({ PALISADE_LAB_DIR: lab }, 'ebpf', 'flows');
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.equal(lines.length, 5);
  const expected = [
    /another-ns\/another-client-one\s+egress\s+DENY\s+10\.77\.1\.1:40001\s+→ 10\.77\.1\.10:80\s+TCP\s+Admin tier\s+isolate-another-ns$/,
    /default\/demo-app\s+ingress\s+ALLOW\s+.*:53\s+UDP\s+Baseline tier\s+dns-for-everyone$/,
    /ALLOW\s+.*TCP\s+NetworkPolicy\s+default\/demo-app-allow-samens-client-one$/,
    /DENY\s+.*TCP\s+NetworkPolicy\s+no rule allows it$/,
    /ALLOW\s+.*TCP\s+-\s+node traffic \(kubelet\)$/,
  ];
  expected.forEach((line, i) => {
    assert.match(lines[i] ?? '', line);
  });
  const json = await palisadeWith({ PALISADE_LAB_DIR: lab }, 'ebpf', 'flows', '--json');
  assert.deepEqual(
    json.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const flow = JSON.parse(line) as { tier: string; policy?: string };
        return [flow.tier, flow.policy];
      }),
    [
      ['Admin', 'isolate-another-ns'],
      ['Baseline', 'dns-for-everyone'],
      ['NetworkPolicy', 'default/demo-app-allow-samens-client-one'],
      ['NetworkPolicy', undefined],
      ['None', undefined],
    ],
  );
});
