import { clusterOf, podYaml } from '../controller/testing-cluster.ts';

/**
 * A cluster for tests of flows through Services: `shop/web` (ClusterIP 10.96.0.5, port 80 to
 * `http`) backed by web-1 (10.77.1.1) and web-2 (10.77.2.2), `shop/db` (10.96.0.6, port 5432)
 * backed by db (10.77.1.3) alone, and a client (10.77.2.9).
 */
export const shopCluster = clusterOf(
  podYaml('shop', 'web-1', { app: 'web' }, '10.77.1.1', ['http:8080/TCP']),
  podYaml('shop', 'web-2', { app: 'web' }, '10.77.2.2', ['http:8080/TCP']),
  podYaml('shop', 'db', { app: 'db' }, '10.77.1.3', ['sql:5432/TCP']),
  podYaml('shop', 'client', { app: 'client' }, '10.77.2.9'),
  JSON.stringify({
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
  }),
  JSON.stringify({
    kind: 'Service',
    metadata: { name: 'db', namespace: 'shop' },
    spec: { clusterIP: '10.96.0.6', selector: { app: 'db' }, ports: [{ port: 5432 }] },
  }),
);
