import { loadAll } from 'js-yaml';

/** A policy as `GET /api/policies` lists it. */
export interface ListedPolicy {
  readonly name: string;
  readonly yaml: string;
}

/**
 * The cluster's YAML of the objects a text names (by `metadata.namespace`/`name`, `default` when
 * no namespace; a ClusterNetworkPolicy by its name), one document after another: what the text would replace. Empty for new ones, and
 * for text that is not YAML yet.
 */
export function clusterYamlFor(text: string, listed: readonly ListedPolicy[]): string {
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch {
    return '';
  }
  const byName = new Map(listed.map((policy) => [policy.name, policy.yaml]));
  return documents
    .map((document) => {
      const object = document as {
        kind?: unknown;
        metadata?: { name?: unknown; namespace?: unknown };
      } | null;
      const metadata = object?.metadata;
      if (typeof metadata?.name !== 'string') return undefined;
      // A ClusterNetworkPolicy has no namespace: it is listed by its name alone.
      if (object?.kind === 'ClusterNetworkPolicy') return byName.get(metadata.name);
      const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
      return byName.get(`${namespace}/${metadata.name}`);
    })
    .filter((yaml): yaml is string => yaml !== undefined)
    .join('---\n');
}
