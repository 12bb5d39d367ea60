import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { KubeController } from '../../server/controller/kube-controller.ts';
import { loadKubeConfig } from '../../server/kube-api/kube-config.ts';
import { LeaderElection } from '../../server/kube-api/leader-election.ts';
import { logger } from '../../server/log.ts';
import { parseOptions } from './args.ts';
import { UsageError } from './usage-error.ts';

export const CONTROLLER_USAGE = `palisade controller [--kubeconfig FILE] [--lease-namespace NS] [--id NAME]
                                              turn a cluster's NetworkPolicies into PolicyEndpoints
                                              (one writer at a time, by a Lease)`;

/**
 * `palisade controller`: the controller of Kubernetes mode, until SIGTERM or SIGINT. Replicas
 * elect one writer through the Lease `palisade-controller` (in the namespace of
 * `$POD_NAMESPACE`, else `kube-system`); each logs JSON lines to stderr.
 */
export async function controllerCommand(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, {
    kubeconfig: { type: 'string' },
    'lease-namespace': { type: 'string' },
    id: { type: 'string' },
  });
  if (values.kubeconfig !== undefined && !existsSync(values.kubeconfig))
    throw new UsageError(`--kubeconfig: no file ${values.kubeconfig}`);
  const log = logger('controller');
  const config = loadKubeConfig(values.kubeconfig);
  const identity = values.id ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const leader = new LeaderElection(
    config,
    {
      namespace: values['lease-namespace'] ?? process.env.POD_NAMESPACE ?? 'kube-system',
      name: 'palisade-controller',
      identity,
    },
    log,
  );
  const controller = new KubeController(config, { log }, leader);
  // Taken before anything starts: a signal while the informers still sync must release the Lease too.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  leader.start();
  try {
    await Promise.race([controller.start(), stopped]);
    await stopped;
  } finally {
    controller.stop();
    await leader.stop();
  }
  log.info('stopped', { identity });
  return 0;
}
