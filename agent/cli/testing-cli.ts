import { execFile } from 'node:child_process';
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
