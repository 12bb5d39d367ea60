import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';

const bin = new URL('../../bin/palisade', import.meta.url).pathname;

/** Runs the `palisade` CLI as a user would, returning its exit code and output. */
export function palisade(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return palisadeWith({}, ...args);
}

/** The same with `env` added to the environment (a lab folder of the test's own, say). */
export async function palisadeWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(bin, args, {
      maxBuffer: 1 << 28,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs the CLI with its stdout a pipe whose reader has gone, as in `palisade … | true`. */
export async function palisadeToClosedPipe(
  ...args: string[]
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'close');
  return { code, stderr };
}
