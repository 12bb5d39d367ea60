import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterOf, podYaml } from '../../server/controller/testing-cluster.ts';
import { answerQuery } from './dns.ts';
import { labNames } from './dns-names.ts';

const service = (name: string, spec: object) =>
  JSON.stringify({ kind: 'Service', metadata: { name, namespace: 'shop' }, spec });

test('Service names answer their ClusterIP, headless ones their pods; pods without a Service keep their own name', () => {
  const names = labNames(
    clusterOf(
      podYaml('shop', 'web-1', { app: 'web' }, '10.77.0.1'),
      podYaml('shop', 'web-2', { app: 'web' }, '10.77.0.2'),
      podYaml('shop', 'client', { app: 'client' }, '10.77.0.3'),
      service('web', { clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ port: 80 }] }),
      service('web-1', { clusterIP: '10.96.0.6', selector: { app: 'web' }, ports: [{ port: 80 }] }),
      service('pods', { clusterIP: 'None', selector: { app: 'web' } }),
    ),
  );
  assert.deepEqual(names.get('web.shop.svc.cluster.local'), ['10.96.0.5']);
  assert.deepEqual(names.get('web-1.shop.svc.cluster.local'), ['10.96.0.6'], 'the Service wins over the pod');
  assert.deepEqual(names.get('pods.shop.svc.cluster.local'), ['10.77.0.1', '10.77.0.2']);
  assert.deepEqual(names.get('client.shop.svc.cluster.local'), ['10.77.0.3']);
});

test('answers carry every address of a name; unknown names are NXDOMAIN', () => {
  const query = Buffer.from(
    '1234010000010000000000000470' +
      '6f6473' +
      '0473686f70' +
      '03737663' +
      '07636c7573746572' +
      '056c6f63616c' +
      '00' +
      '00010001',
    'hex',
  );
  const lookup = (name: string) =>
    name === 'pods.shop.svc.cluster.local' ? ['10.77.0.1', '10.77.0.2'] : undefined;
  const answer = answerQuery(query, lookup);
  assert.ok(answer);
  assert.equal(answer.readUInt16BE(6), 2, 'two answers');
  assert.equal(answer.readUInt16BE(2) & 0xf, 0, 'NOERROR');
  assert.deepEqual([...answer.subarray(-4)], [10, 77, 0, 2]);
  const unknown = answerQuery(query, () => undefined);
  assert.equal((unknown?.readUInt16BE(2) ?? 0) & 0xf, 3, 'NXDOMAIN');
});
