import type { KubeConfig } from '@kubernetes/client-node';
import type { Namespace } from '../kube/namespace.ts';
import { encodeObject } from '../kube/objects.ts';
import type { Pod } from '../kube/pod.ts';
import type { Service } from '../kube/service.ts';
import { NAMESPACES, objectPath, PODS, SERVICES } from './informer.ts';
import { applyObject } from './raw-request.ts';

const FIELD_MANAGER = 'palisade-lab';

/**
 * Registers pods the way a kubelet would see them run, for when the lab stands in for a cluster's
 * nodes: each Pod object with its node (`spec.nodeName`) and declared ports, then its status
 * (`podIP`, `hostIP`, phase Running) through the status subresource. Namespaces first, with their
 * labels. Everything is applied server-side, so registering again changes nothing. `concurrency`
 * pods are registered at once.
 */
export async function registerPods(
  config: KubeConfig,
  namespaces: readonly Namespace[],
  pods: readonly Pod[],
  concurrency = 1,
): Promise<void> {
  for (const namespace of namespaces) {
    const { name, labels } = namespace.metadata;
    const body = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
    await applyObject(config, objectPath(NAMESPACES, '', name), body, FIELD_MANAGER);
  }
  const queue = [...pods];
  const register = async (pod: Pod) => {
    const { name, namespace, labels } = pod.metadata;
    const path = objectPath(PODS, namespace, name);
    await withServiceAccount(() =>
      applyObject(
        config,
        path,
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace, labels },
          spec: {
            nodeName: pod.nodeName,
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'lab',
                image: 'palisade.local/lab-pod',
                ports: pod.ports.map((port) => ({
                  name: port.name,
                  containerPort: port.containerPort,
                  protocol: port.protocol,
                })),
              },
            ],
          },
        },
        FIELD_MANAGER,
      ),
    );
    const status = {
      phase: 'Running',
      podIP: pod.podIP,
      podIPs: pod.podIP ? [{ ip: pod.podIP }] : [],
      hostIP: pod.hostIP,
      hostIPs: pod.hostIP ? [{ ip: pod.hostIP }] : [],
    };
    await applyObject(
      config,
      `${path}/status`,
      { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, status },
      FIELD_MANAGER,
    );
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let pod = queue.shift(); pod; pod = queue.shift()) await register(pod);
    }),
  );
}

/**
 * Runs `create` until the namespace's default ServiceAccount exists: the API server refuses pods
 * until the controller manager has made it, a moment after the namespace.
 */
async function withServiceAccount(create: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await create();
      return;
    } catch (error) {
      if (attempt > 50 || !(error as Error).message.includes('serviceaccount')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Registers the lab's Services in the cluster it stands in for, at the ClusterIPs the lab gave
 * them (the API server refuses one outside its `--service-cluster-ip-range`), applied
 * server-side like the pods.
 */
export async function registerServices(config: KubeConfig, services: readonly Service[]): Promise<void> {
  for (const service of services) {
    const { name, namespace, labels } = service.metadata;
    const body = { ...encodeObject(service), metadata: { name, namespace, labels } };
    await applyObject(config, objectPath(SERVICES, namespace, name), body, FIELD_MANAGER);
  }
}
