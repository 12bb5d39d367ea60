import 'server-only';
import { loadKubeConfig } from '../kube-api/kube-config.ts';
import { isKubernetesMode } from './cluster-mode.ts';
import type { ClusterSource } from './cluster-source.ts';
import { KubeSource } from './kube-source.ts';
import { LabSource } from './lab-source.ts';

const holder = globalThis as { palisadeClusterSource?: ClusterSource };

/**
 * The server's cluster, chosen once per process: Kubernetes mode when `PALISADE_CLUSTER=kubernetes`
 * (the kubeconfig of `PALISADE_KUBECONFIG`, else the usual places or the in-cluster account;
 * `PALISADE_READ_ONLY=1` refuses writes), the lab otherwise.
 */
export function clusterSource(): ClusterSource {
  holder.palisadeClusterSource ??= isKubernetesMode()
    ? new KubeSource(loadKubeConfig(process.env.PALISADE_KUBECONFIG), {
        readOnly: process.env.PALISADE_READ_ONLY === '1',
        agentServiceAccount: process.env.PALISADE_AGENT_SERVICE_ACCOUNT ?? 'palisade-system:palisade-agent',
      })
    : new LabSource();
  return holder.palisadeClusterSource;
}
