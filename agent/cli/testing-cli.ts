import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const bin = new URL('../../bin/palisade', import.meta.url).pathname;

/** Runs the `palisade` CLI as a user would, returning its exit code and output. */
export async function palisade(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(bin, args, { maxBuffer: 1 << 28 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
