import { KubeConfig } from '@kubernetes/client-node';
/**
 * The cluster to talk to: the kubeconfig file given, else `$KUBECONFIG`, `~/.kube/config` or the
 * in-cluster ServiceAccount, in that order (as kubectl finds it).
 */
export function loadKubeConfig(file?: string): KubeConfig {
  const config = new KubeConfig();
  try {
    if (file) config.loadFromFile(file);
    else config.loadFromDefault();
  } catch (error) {
    // A file that cannot be read or is not YAML: said in one line, not as a stack.
    throw new Error(
      `${file ?? 'the default kubeconfig'}: cannot be read as a kubeconfig: ${(error as Error).message}`,
    );
  }
  if (!config.getCurrentCluster()) {
    throw new Error(
      `no cluster in ${file ?? 'the default kubeconfig'}: give --kubeconfig FILE or set KUBECONFIG`,
    );
  }
  return config;
}
