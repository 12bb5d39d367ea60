import type { Json } from '../server/kube/decode.ts';
import { decodeObject } from '../server/kube/objects.ts';
import { Cluster, type ClusterObject } from '../server/policy/cluster.ts';

/** Shape of a generated cluster. */
export interface SyntheticShape {
  readonly namespaces: number;
  readonly podsPerNamespace: number;
  readonly policiesPerNamespace: number;
}

const APPS = ['web', 'api', 'worker', 'cache', 'db', 'auth', 'search', 'batch'];
const TIERS: Record<string, string> = {
  web: 'frontend',
  api: 'backend',
  worker: 'backend',
  cache: 'data',
  db: 'data',
  auth: 'backend',
  search: 'backend',
  batch: 'jobs',
};
const TEAMS = ['payments', 'search', 'platform', 'growth', 'identity'];

/**
 * A cluster shaped like real ones: namespaces of a few teams, each running a handful of
 * deployments with replicas, and a layered set of policies per namespace (default deny, tier to
 * tier, cross-namespace, DNS egress, ipBlocks, named ports, port ranges).
 */
export function syntheticCluster(shape: SyntheticShape): { cluster: Cluster; objects: ClusterObject[] } {
  const raw: Json[] = [];
  for (let n = 0; n < shape.namespaces; n++) {
    const ns = `ns-${n}`;
    raw.push({
      kind: 'Namespace',
      metadata: { name: ns, labels: { team: TEAMS[n % TEAMS.length], env: n % 4 === 0 ? 'prod' : 'dev' } },
    });
    for (let p = 0; p < shape.podsPerNamespace; p++) {
      const app = APPS[p % APPS.length] ?? 'web';
      const id = n * shape.podsPerNamespace + p;
      raw.push({
        kind: 'Pod',
        metadata: {
          name: `${app}-${p}`,
          namespace: ns,
          labels: { app, tier: TIERS[app], version: `v${p % 2}` },
        },
        spec: {
          nodeName: `node-${id % 20}`,
          containers: [
            {
              name: app,
              ports: [{ name: 'http', containerPort: app === 'db' ? 5432 : 8080, protocol: 'TCP' }],
            },
          ],
        },
        status: {
          podIP: `10.${64 + (id >> 16)}.${(id >> 8) & 255}.${id & 255}`,
          hostIP: `10.250.0.${id % 20}`,
          phase: 'Running',
        },
      });
    }
    const policies: Json[] = [
      { name: 'default-deny', spec: { podSelector: {}, policyTypes: ['Ingress'] } },
      {
        name: 'frontend-from-anywhere',
        spec: {
          podSelector: { matchLabels: { tier: 'frontend' } },
          ingress: [{ ports: [{ port: 'http' }] }],
        },
      },
      {
        name: 'backend-from-frontend',
        spec: {
          podSelector: { matchLabels: { tier: 'backend' } },
          ingress: [
            { from: [{ podSelector: { matchLabels: { tier: 'frontend' } } }], ports: [{ port: 8080 }] },
          ],
        },
      },
      {
        name: 'data-from-backend',
        spec: {
          podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'cache'] }] },
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { tier: 'backend' } } }],
              ports: [{ port: 5432 }, { port: 8080 }],
            },
          ],
        },
      },
      {
        name: 'team-api',
        spec: {
          podSelector: { matchLabels: { app: 'api' } },
          ingress: [
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { team: TEAMS[(n + 1) % TEAMS.length] } },
                  podSelector: { matchLabels: { tier: 'backend' } },
                },
              ],
            },
          ],
        },
      },
      {
        name: 'egress-dns-and-internal',
        spec: {
          podSelector: { matchLabels: { tier: 'jobs' } },
          policyTypes: ['Egress'],
          egress: [
            { to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] },
            {
              to: [{ ipBlock: { cidr: '10.64.0.0/14', except: [`10.64.${n}.0/24`] } }],
              ports: [{ port: 8000, endPort: 8100 }],
            },
          ],
        },
      },
      {
        name: 'monitoring',
        spec: {
          podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['jobs'] }] },
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }], ports: [{ port: 9090 }] },
          ],
        },
      },
      {
        name: 'auth-from-all-backends',
        spec: {
          podSelector: { matchLabels: { app: 'auth' } },
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {},
                  podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
                },
              ],
            },
          ],
        },
      },
      {
        name: 'search-partners',
        spec: {
          podSelector: { matchLabels: { app: 'search' } },
          ingress: [
            {
              from: [
                { ipBlock: { cidr: '192.0.2.0/24' } },
                { podSelector: { matchLabels: { version: 'v1' } } },
              ],
            },
          ],
        },
      },
      {
        name: 'web-egress',
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Egress'],
          egress: [
            { to: [{ podSelector: { matchLabels: { tier: 'backend' } } }], ports: [{ port: 'http' }] },
          ],
        },
      },
    ];
    for (const policy of policies.slice(0, shape.policiesPerNamespace)) {
      raw.push({ kind: 'NetworkPolicy', metadata: { name: policy.name, namespace: ns }, spec: policy.spec });
    }
  }
  const objects = raw.map((object) => decodeObject(object));
  return { cluster: Cluster.of(objects), objects };
}
