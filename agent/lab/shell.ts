import { execFileSync } from 'node:child_process';

/** Runs a command and returns its output; fails with the command and what it printed. */
export function run(
  command: string,
  args: readonly string[],
  options: { allowFailure?: boolean } = {},
): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (options.allowFailure) return '';
    const failed = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${(failed.stderr || failed.message).trim()}`);
  }
}

/** Runs `ip` inside a network namespace (`ip -n NAME …`). */
export function ipIn(netns: string, ...args: string[]): string {
  return run('ip', ['-n', netns, ...args]);
}

/** Sets a sysctl inside a network namespace. */
export function sysctlIn(netns: string, key: string, value: string): void {
  run('ip', ['netns', 'exec', netns, 'sysctl', '-qw', `${key}=${value}`]);
}
