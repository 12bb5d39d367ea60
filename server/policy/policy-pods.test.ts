import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseState } from '../kube/state-file.ts';
import { type Ip, parseIp } from '../net/ip.ts';
import { Cluster } from './cluster.ts';
import { type Endpoint, podEnd } from './endpoint.ts';
import { evaluate } from './evaluate.ts';

/** Namespace b denies all ingress and lets in only its own pods; b/hn is on its node's network, b/done finished. */
const cluster = Cluster.of(
  parseState(
    `
apiVersion: v1
kind: Pod
metadata: {name: x, namespace: a, labels: {app: x}}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: b, labels: {app: web}}
status: {phase: Running, podIP: 10.0.1.1}
---
apiVersion: v1
kind: Pod
metadata: {name: hn, namespace: b, labels: {app: hn}}
spec: {hostNetwork: true}
status: {phase: Running, podIP: 192.168.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: b, labels: {app: done}}
status: {phase: Succeeded, podIP: 10.0.1.9}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-b, namespace: b}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
`,
    'state.yaml',
  ),
);

const verdict = (from: string, to: string) => {
  const source = cluster.pod(from);
  const destination = cluster.pod(to);
  assert.ok(source && destination);
  const end = podEnd(cluster, destination);
  return evaluate(
    cluster,
    podEnd(cluster, source, end),
    end,
    { port: 80, protocol: 'TCP' },
    { explain: true },
  );
};

test('NetworkPolicy does not isolate a pod on its node’s network, nor a finished one', () => {
  assert.equal(verdict('a/x', 'b/web').allowed, false, 'the policy isolates b/web');
  const host = verdict('a/x', 'b/hn');
  assert.equal(host.allowed, true);
  assert.match(
    host.ingress.summary ?? '',
    /b\/hn uses its node's network, so no ingress policy applies to it/,
  );
  const done = verdict('a/x', 'b/done');
  assert.equal(done.allowed, true);
  assert.match(done.ingress.summary ?? '', /b\/done has finished/);
});

test('a pod on its node’s network is not one of the pods a selector matches', () => {
  assert.equal(verdict('b/web', 'b/web').allowed, true, 'itself');
  assert.equal(verdict('b/done', 'b/web').allowed, false, 'a finished pod of b is not let in as a pod of b');
  assert.equal(
    verdict('b/hn', 'b/web').allowed,
    false,
    "a pod on its node's network is not let in as a pod of b",
  );
});

test('traffic between a pod and its own node always passes, both ways, before any policy; another node’s does not', () => {
  const nodes = Cluster.of(
    parseState(
      `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: b, labels: {app: web}}
status: {phase: Running, podIP: 10.0.1.1, hostIPs: [{ip: 192.168.0.1}, {ip: "fd00::1"}], hostIP: 192.168.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: kubelet-probe, namespace: b, labels: {app: hn}}
spec: {hostNetwork: true}
status: {phase: Running, podIP: 192.168.0.1, hostIP: 192.168.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere, namespace: b, labels: {app: hn}}
spec: {hostNetwork: true}
status: {phase: Running, podIP: 192.168.0.2, hostIP: 192.168.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: b}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`,
      'nodes.yaml',
    ),
  );
  const web = nodes.pod('b/web');
  assert.ok(web);
  const at = (text: string) => ({ ip: parseIp(text) as Ip });
  const judge = (from: Endpoint, to: Endpoint) =>
    evaluate(nodes, from, to, { port: 10250, protocol: 'TCP' }, { explain: true });
  const webEnd = podEnd(nodes, web);
  const probe = judge(at('192.168.0.1'), webEnd);
  assert.equal(probe.allowed, true, 'the node reaches its pod though deny-all isolates it');
  assert.equal(probe.ingress.reason, 'node');
  assert.equal(probe.ingress.enforced, false);
  assert.deepEqual(probe.ingress.policies, []);
  assert.match(
    probe.ingress.summary ?? '',
    /^192\.168\.0\.1 is b\/web's node: traffic between a pod and its own node \(kubelet's probes\) always passes/,
  );
  const hostPod = nodes.pod('b/kubelet-probe');
  assert.ok(hostPod);
  const fromHostPod = judge(podEnd(nodes, hostPod), webEnd);
  assert.equal(fromHostPod.allowed, true, "a pod on the node's network is the node");
  assert.match(fromHostPod.ingress.summary ?? '', /b\/kubelet-probe uses the network of b\/web's node/);
  assert.equal(judge(webEnd, at('192.168.0.1')).egress.reason, 'node', 'the pod reaches its node');
  assert.equal(judge(webEnd, at('fd00::1')).allowed, true, 'at any of its addresses');
  const other = judge(at('192.168.0.2'), webEnd);
  assert.equal(other.allowed, false, 'another node is judged by the policies');
  assert.deepEqual(other.ingress.policies, ['b/deny-all']);
  assert.equal(judge(webEnd, at('192.168.0.2')).allowed, false);
});
