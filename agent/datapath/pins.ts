import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

/** Where the agent pins programs and maps under bpffs: one folder per node, one per pod in it. */

export const BPF_ROOT = '/sys/fs/bpf/palisade';

export function nodeDir(node: string): string {
  return `${BPF_ROOT}/${node}`;
}

export function podDir(node: string, ifname: string): string {
  return `${nodeDir(node)}/pods/${ifname}`;
}

/** bpffs must be mounted for pinning; mounts it when missing. */
export function mountBpffs(): void {
  const mounted = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === '/sys/fs/bpf' && line.split(' ')[2] === 'bpf');
  if (mounted) return;
  mkdirSync('/sys/fs/bpf', { recursive: true });
  execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'pipe' });
}
