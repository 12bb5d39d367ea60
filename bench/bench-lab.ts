import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LabOptions, labDown, labPod, labUp } from '../agent/lab/lab.ts';
import type { LabPodRecord } from '../server/lab/lab-store.ts';
import { readAgentReport, readLab } from '../server/lab/lab-store.ts';
import { progress } from './report.ts';

/** The benchmark's two lab pods: a server on lab-node-1 and a client on lab-node-2. */
export interface BenchPods {
  readonly server: LabPodRecord;
  readonly client: LabPodRecord;
}

/** Builds the lab from a state file written to `folder` (YAML documents), after taking down what was there. */
export async function labWith(folder: string, state: string, options: LabOptions = {}): Promise<void> {
  const file = join(folder, 'bench.yaml');
  writeFileSync(file, state);
  await labDown();
  await labUp([file], options);
}

/** The two pods of {@link benchLab}, as a state file. */
export const TWO_PODS = ['server:10.77.1.100:lab-node-1', 'client:10.77.2.100:lab-node-2']
  .map((spec) => {
    const [name, ip, node] = spec.split(':');
    return `kind: Pod\nmetadata: {name: ${name}, namespace: bench, labels: {app: ${name}}}\nspec: {nodeName: ${node}, containers: [{name: main}]}\nstatus: {podIP: ${ip}}\n`;
  })
  .join('---\n');

/** Builds the lab with a server pod on lab-node-1 and a client pod on lab-node-2. */
export async function benchLab(folder: string, options: LabOptions = {}): Promise<BenchPods> {
  progress('building the lab: a client pod and a server pod on two nodes');
  await labWith(folder, TWO_PODS, options);
  return { server: labPod('bench/server'), client: labPod('bench/client') };
}

/**
 * Stops every lab agent (SIGKILL: enforcement stays, pinned), so that the benchmark alone sets
 * the pods' programs and rules, and drains the nodes' ring buffers in their place (ring-drain.ts,
 * a process of its own), so that the kernel's event path stays the one it takes when an agent
 * reads it. With `record`, the raw events go to `record/NODE.events`. Gives the draining
 * process's pid and `stop`, which stops it and tells how many events each node's buffer gave.
 */
export async function replaceAgents(
  record?: string,
): Promise<{ pid: number; stop: () => Promise<Record<string, number>> }> {
  const nodes = readLab()?.nodes.map((node) => node.name) ?? [];
  for (const node of nodes) {
    const pid = readAgentReport(node)?.pid;
    if (pid) process.kill(pid, 'SIGKILL');
  }
  const drain = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      new URL('ring-drain.ts', import.meta.url).pathname,
      ...(record ? ['--record', record] : []),
      ...nodes,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  drain.stdout.on('data', (chunk) => {
    output += chunk;
  });
  while (!output.includes('ready\n')) {
    if (drain.exitCode !== null) throw new Error('ring-drain.ts stopped before it was ready');
    await sleep(20);
  }
  let stopped: Promise<Record<string, number>> | undefined;
  const stop = () => {
    stopped ??= new Promise((resolve, reject) => {
      // 'close', not 'exit': a child's stdout may still hold its last line when it has exited.
      drain.once('close', () => {
        try {
          resolve(JSON.parse(output.slice(output.indexOf('ready\n') + 6)) as Record<string, number>);
        } catch {
          reject(new Error(`ring-drain.ts said ${JSON.stringify(output)}`));
        }
      });
      drain.kill('SIGTERM');
    });
    return stopped;
  };
  return { pid: drain.pid ?? 0, stop };
}

/**
 * Runs a benchmark's `work` on the lab, bounded: the lab always comes down after it (with
 * whatever `work` registered in `cleanups`, such as load processes), and when `minutes` pass
 * first, the benchmark stops with exit code 1 after the same cleaning.
 */
export async function onTheLab<T>(
  minutes: number,
  work: (cleanups: (() => unknown)[]) => Promise<T>,
): Promise<T> {
  const cleanups: (() => unknown)[] = [];
  const clean = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        progress(`cleaning up: ${(error as Error).message}`);
      }
    }
    await labDown();
  };
  const watchdog = setTimeout(() => {
    progress(`still running after ${minutes} minutes: stopping`);
    void clean().finally(() => process.exit(1));
  }, minutes * 60_000);
  watchdog.unref();
  try {
    return await work(cleanups);
  } finally {
    clearTimeout(watchdog);
    await clean();
  }
}
