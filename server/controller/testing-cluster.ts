import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseState } from '../kube/state-file.ts';
import { Cluster } from '../policy/cluster.ts';

/** A pod as YAML for tests: `ports` like `http:8080/TCP`. */
export function podYaml(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ip?: string,
  ports: string[] = [],
) {
  const containerPorts = ports.map((spec) => {
    const [, portName, number, protocol] = /^(?:([a-z0-9-]+):)?(\d+)\/(\w+)$/.exec(spec) ?? [];
    return { ...(portName ? { name: portName } : {}), containerPort: Number(number), protocol };
  });
  return JSON.stringify({
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', ports: containerPorts }] },
    status: ip ? { podIP: ip, hostIP: '10.99.0.1' } : {},
  });
}

/** A cluster from YAML documents. */
export function clusterOf(...documents: string[]): Cluster {
  return Cluster.of(parseState(documents.join('\n---\n'), 'test.yaml'));
}

/**
 * Looks again every 200 ms until what the API server holds equals what the model computes
 * (`look` gives both), and returns the endpoints it found; after `timeoutMs` the last difference fails.
 */
export async function converge<T>(
  look: () => Promise<{ actual: unknown; desired: unknown; endpoints: T }>,
  timeoutMs = 20000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { actual, desired, endpoints } = await look();
    try {
      assert.deepEqual(actual, desired);
      return endpoints;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(200);
  }
}
