import { watch } from 'node:fs';
import { parseArgs } from 'node:util';
import { ClusterInformers } from '../../server/kube-api/cluster-informers.ts';
import { PODS, SERVICES } from '../../server/kube-api/informer.ts';
import { loadKubeConfig } from '../../server/kube-api/kube-config.ts';
import { fileStamp, LAB_DIR, labCluster, readEndpoints, readLab } from '../../server/lab/lab-store.ts';
import { logger } from '../../server/log.ts';
import { Cluster } from '../../server/policy/cluster.ts';
import { ServiceProxy } from './service-proxy.ts';

/**
 * The lab's Service proxy process: `service-proxy-main.ts [--kubeconfig FILE]`. Does kube-proxy's
 * job in every lab node for the Services and pods of the lab's store, or with a kubeconfig (the
 * lab standing in for a cluster's nodes) for those of the Kubernetes API, as they change.
 */
const { values } = parseArgs({ options: { kubeconfig: { type: 'string' } } });
const lab = readLab();
if (!lab) {
  process.stderr.write('service proxy: the lab is not up\n');
  process.exit(2);
}
const log = logger('service-proxy');
const proxy = new ServiceProxy(lab.nodes);

if (values.kubeconfig) {
  const cluster = new Cluster();
  let pending: NodeJS.Timeout | undefined;
  let synced = false;
  const informers = new ClusterInformers(
    loadKubeConfig(values.kubeconfig),
    [PODS, SERVICES],
    cluster,
    log,
    () => {
      if (!synced) return;
      // Changes come in bursts (a Deployment's pods): one sync for each burst.
      clearTimeout(pending);
      pending = setTimeout(() => proxy.sync(cluster, 0), 20);
    },
  );
  informers.start();
  await informers.synced();
  synced = true;
  proxy.sync(cluster, 0);
} else {
  let stamp = '';
  const sync = () => {
    const now = ['objects.json', 'endpoints.json'].map(fileStamp).join(' ');
    if (now === stamp) return;
    stamp = now;
    // The generation first: objects.json is written before it, so the objects read next are at least as new.
    const generation = readEndpoints()?.generation ?? 0;
    proxy.sync(labCluster(), generation);
  };
  let pending: NodeJS.Timeout | undefined;
  watch(LAB_DIR, () => {
    clearTimeout(pending);
    pending = setTimeout(sync, 2);
  });
  // Events of a watched folder can be missed; a slow look catches up.
  setInterval(sync, 2000);
  sync();
}
