import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { WALKTHROUGH } from '../../examples/walkthrough/steps.ts';
import { labApply, labPod, labServices } from './lab.ts';
import { addressOf, reaches, startLab, stopLab } from './testing-lab.ts';

const policies = new URL('../../examples/walkthrough/policies/', import.meta.url).pathname;

/** Runs a command in a lab pod, as `palisade lab exec` does. */
function inPod(pod: string, command: string[]): { status: number | null; stdout: string } {
  const result = spawnSync('ip', ['netns', 'exec', labPod(pod).netns, ...command], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout };
}

before(() => startLab());
after(() => stopLab());

test('the article’s walkthrough in the lab: each step’s commands behave as the article says', async () => {
  for (const step of WALKTHROUGH) {
    if (step.policy) await labApply([`${policies}${step.policy}`]);
    for (const check of step.checks) {
      // Through the Service's ClusterIP where the article's command goes through one.
      assert.equal(
        await reaches(check.from, addressOf(check), check.port),
        check.allowed,
        `${step.title}: ${check.command} from ${check.from}${check.service ? ` through svc/${check.service}` : ''}`,
      );
      // The article's own commands, through the lab's DNS.
      const command = check.command.split(' ');
      const { status } = inPod(check.from, command);
      assert.equal(
        status === 0,
        check.allowed,
        `${step.title}: \`${check.command}\` in ${check.from} exited ${status}`,
      );
    }
  }
});

test('curl gets demo-app’s page through its ClusterIP, and nslookup asks kube-dns’s ClusterIP for it', () => {
  const clusterIP = labServices().service('default/demo-app')?.clusterIPs[0] ?? '';
  const dns = labServices().service('kube-system/kube-dns')?.clusterIPs[0] ?? '';
  assert.ok(clusterIP && dns);
  const page = inPod('default/client-one', [
    'curl',
    '-s',
    '-w',
    '\n%{remote_ip}',
    '--max-time',
    '3',
    'demo-app',
  ]);
  assert.match(page.stdout, /Welcome to default\/demo-app/);
  assert.equal(page.stdout.trim().split('\n').at(-1), clusterIP, 'curl connected to the ClusterIP');
  const lookup = inPod('default/client-one', ['nslookup', 'demo-app']);
  assert.match(lookup.stdout, new RegExp(`Server:\\s+${dns.replaceAll('.', '\\.')}`));
  assert.match(lookup.stdout, new RegExp(`Address: ${clusterIP.replaceAll('.', '\\.')}`));
});
