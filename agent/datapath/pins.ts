/** Where the agent pins programs and maps under bpffs: one folder per node, one per pod in it. */

export const BPF_ROOT = '/sys/fs/bpf/palisade';

export function nodeDir(node: string): string {
  return `${BPF_ROOT}/${node}`;
}

export function podDir(node: string, ifname: string): string {
  return `${nodeDir(node)}/pods/${ifname}`;
}
