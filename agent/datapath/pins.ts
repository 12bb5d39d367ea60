import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { EGRESS_OBJECT, INGRESS_OBJECT } from './addon.ts';

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

/** This build of the eBPF programs: a digest of both objects, which any change to them changes. */
export function datapathBuild(): string {
  const digest = createHash('sha256');
  for (const object of [INGRESS_OBJECT, EGRESS_OBJECT]) digest.update(readFileSync(object));
  return digest.digest('hex').slice(0, 16);
}

/**
 * Makes the node's pins this build's. A restarted agent adopts the programs and maps it finds
 * pinned, which is only right when an agent of the same build pinned them: another build's maps
 * may be laid out or read differently. The node's folder says which build made it (a folder
 * `build-DIGEST`: bpffs holds folders and pins only); when it names another, or none, every pin
 * goes (the attached programs keep enforcing until each pod's are replaced), so that each pod is
 * loaded anew, as a new pod is. Returns whether the pins were another build's.
 */
export function claimNodePins(node: string, build = datapathBuild()): boolean {
  const dir = nodeDir(node);
  const marker = `${dir}/build-${build}`;
  if (existsSync(marker)) return false;
  const stale = existsSync(dir);
  if (stale) rmSync(dir, { recursive: true, force: true });
  mkdirSync(marker, { recursive: true });
  return stale;
}
