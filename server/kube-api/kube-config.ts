import { KubeConfig } from '@kubernetes/client-node';
/**
 * The cluster to talk to: the kubeconfig file given, else `$KUBECONFIG`, `~/.kube/config` or the
 * in-cluster ServiceAccount, in that order (as kubectl finds it).
 */
export function loadKubeConfig(file?: string): KubeConfig {
  const config = new KubeConfig();
  if (file) config.loadFromFile(file);
  else config.loadFromDefault();
  if (!config.getCurrentCluster()) {
    throw new Error(
      `no cluster in ${file ?? 'the default kubeconfig'}: give --kubeconfig FILE or set KUBECONFIG`,
    );
  }
  return config;
}
