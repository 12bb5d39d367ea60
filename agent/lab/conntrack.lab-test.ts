import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { liveFlows } from '../datapath/introspect.ts';
import { ethernet, ipv4, macOf, PROTOCOL, sendFrames, TCP_FLAGS, tcp } from './frames.ts';
import { labApply, labPod, labProbe } from './lab.ts';
import { nodeNetns } from './names.ts';
import { labShippingToServer, storedFlow } from './testing-ingest.ts';
import { chatter, programmedTestPod, reaches } from './testing-lab.ts';

/**
 * Conntrack with real packets: a flow is known only in the direction it was let through, only a
 * SYN starts a TCP flow, FIN and RST close it, a cut connection stays cut, and a full table
 * evicts without letting an evicted flow back in against policy.
 */
const folder = mkdtempSync(join(tmpdir(), 'palisade-conntrack-'));
const app = () => labPod('default/demo-app').ip;
const flowsTo = (pod: string, port: number) => liveFlows(labPod(pod)).filter((flow) => flow.dport === port);

const ingest = labShippingToServer();

test('a connection cut by a new policy stays cut whatever either side sends, even where the pod is open, and goes on once the policy goes', async () => {
  // another-client-one's egress gets closed; its ingress stays open, so the server's packets
  // arrive where nothing isolates: they must not bring the connection back.
  const denyEgress = join(folder, 'deny-egress.yaml');
  writeFileSync(
    denyEgress,
    'kind: NetworkPolicy\nmetadata: {name: deny-egress, namespace: another-ns}\nspec: {podSelector: {}, policyTypes: [Egress]}\n',
  );
  await labApply([], { replacePolicies: true });
  const server = chatter('default/demo-app', ['serve', '7000', '--every', '50']);
  await server.ready();
  const client = chatter('another-ns/another-client-one', ['connect', app(), '7000', '--every', '50']);
  try {
    await client.ready();
    await sleep(500);
    assert.ok(server.received() > 0 && client.received() > 0, 'the connection carries data both ways first');
    const cutAt = Date.now();
    await labApply([denyEgress]);
    await sleep(200);
    const [serverAt, clientAt] = [server.received(), client.received()];
    await sleep(1000);
    assert.equal(server.received(), serverAt, 'nothing the client sends reaches the server');
    assert.equal(client.received(), clientAt, 'nothing the server sends reaches the client');
    assert.deepEqual(
      flowsTo('another-ns/another-client-one', 7000).map((flow) => [flow.direction, flow.state]),
      [['egress', 'cut']],
      'the client keeps the flow as cut, and no reply made a new one',
    );
    const cut = await storedFlow(ingest(), cutAt, (flow) => flow.reason === 'cut' && flow.dport === 7000);
    assert.deepEqual(
      cut && [cut.pod, cut.direction, cut.verdict, cut.family],
      ['another-ns/another-client-one', 'egress', 'deny', 4],
      'the server stored the dropped packet as cut by the policy change',
    );
    // The policy goes: the same connection carries data again (TCP's retransmissions kept the cut
    // entry alive, so only the agent's second look can open it).
    await labApply([], { replacePolicies: true });
    const [serverCut, clientCut] = [server.received(), client.received()];
    const resumeBy = Date.now() + 15_000;
    while ((server.received() === serverCut || client.received() === clientCut) && Date.now() < resumeBy)
      await sleep(100);
    assert.ok(server.received() > serverCut && client.received() > clientCut, 'the connection goes on');
    assert.deepEqual(
      flowsTo('another-ns/another-client-one', 7000).map((flow) => flow.direction),
      ['egress'],
      'the same entry, open again',
    );
    assert.notEqual(flowsTo('another-ns/another-client-one', 7000)[0]?.state, 'cut');
  } finally {
    client.close();
    server.close();
    await labApply([], { replacePolicies: true });
  }
});

test('only a SYN starts a TCP flow: a segment of no connection passes on policy alone and is not tracked', async () => {
  const from = labPod('default/client-one');
  const nodeNs = nodeNetns(from.node);
  const gateway = macOf(nodeNs, from.ifname);
  const own = macOf(from.netns, 'eth0');
  const at = { src: from.ip, dst: app() };
  const segment = (sport: number, flags: number) =>
    ethernet(gateway, own, ipv4(at, PROTOCOL.tcp, tcp(at, sport, 80, flags)));
  sendFrames(from.netns, 'eth0', [segment(41001, TCP_FLAGS.ack), segment(41002, TCP_FLAGS.syn)]);
  await sleep(200);
  const sports = (pod: string) =>
    flowsTo(pod, 80)
      .filter((flow) => flow.sport === 41001 || flow.sport === 41002)
      .map((flow) => flow.sport);
  // The SYN is tracked on both sides (demo-app answers it, client-one's kernel resets it); the ACK nowhere.
  assert.deepEqual(sports('default/client-one'), [41002]);
  assert.deepEqual(sports('default/demo-app'), [41002]);
});

test('FIN both ways closes a flow, and RST does too', async () => {
  assert.equal(await reaches('default/client-one', app(), '80/TCP'), true);
  const client = chatter('default/client-one', ['connect', app(), '80']);
  try {
    await client.ready();
    assert.ok(
      flowsTo('default/client-one', 80).some((flow) => flow.state === 'open'),
      'a connection in use is open',
    );
  } finally {
    client.close(); // the process dies: its kernel sends FIN, the server answers with its own
  }
  await sleep(300);
  assert.deepEqual(
    [...new Set(flowsTo('default/client-one', 80).map((flow) => flow.state))],
    ['closing'],
    'every finished connection is closing',
  );
});

test('conntrack is sized by configuration; when it is full the oldest flows are evicted and one evicted is not let back in against policy', async () => {
  const client = labPod('default/client-one');
  // Isolated both ways: client-one may connect in, nothing may go out (so replies live on conntrack alone).
  const pod = await programmedTestPod(
    'default/small-table',
    '10.77.2.210',
    ['9/TCP', '9/UDP'],
    `podIsolation: [Ingress, Egress]\ningress: [{cidr: "${client.ip}"}]`,
    { conntrackEntries: 32 },
  );
  try {
    const connection = chatter(client.key, ['connect', pod.ip, '9']);
    try {
      await connection.ready();
      connection.send('hello');
      await sleep(200);
      assert.equal(connection.received(), 5, 'the echo comes back while the flow is tracked');
      const tracked = () => pod.datapath.flows().filter((flow) => flow.protocol === 6 && flow.dport === 9);
      assert.equal(tracked().length, 1);
      // Many new flows: the table holds 32, and the least recently used go. The kernel's LRU is
      // approximate (a flow looked up lately is passed over once), so flood until it is gone.
      const flood = Array.from({ length: 150 }, () => ({ host: pod.ip, port: 9, protocol: 'UDP' }));
      for (let wave = 0; wave < 5 && tracked().length > 0; wave++) await labProbe(client.key, flood, 500);
      const entries = pod.datapath.flows().length;
      assert.ok(entries > 16 && entries <= 32, `the table is full (${entries} of 32 entries)`);
      assert.equal(tracked().length, 0, 'the idle connection was evicted');
      // Its next segments pass inwards on policy alone, but the echo may not go out: no entry comes back.
      connection.send('again');
      await sleep(600);
      assert.equal(connection.received(), 5, 'an evicted flow is not resurrected against policy');
      assert.equal(tracked().length, 0, 'mid-stream segments start nothing');
      assert.equal(
        await reaches(client.key, pod.ip, '9/TCP'),
        true,
        'a new connection is judged and tracked',
      );
    } finally {
      connection.close();
    }
  } finally {
    pod.remove();
  }
});
