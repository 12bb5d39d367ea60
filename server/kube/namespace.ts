import type { Json } from './decode.ts';
import { decodeObjectMeta, type ObjectMeta } from './object-meta.ts';

/** The label the API server sets on every namespace to its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A core/v1 Namespace. */
export interface Namespace {
  readonly kind: 'Namespace';
  /** Name and labels; `labels` always includes {@link NAMESPACE_NAME_LABEL}, as the API server ensures. */
  readonly metadata: ObjectMeta;
}

export function decodeNamespace(raw: Json): Namespace {
  const meta = decodeObjectMeta(raw.metadata, false);
  return {
    kind: 'Namespace',
    metadata: { ...meta, labels: { ...meta.labels, [NAMESPACE_NAME_LABEL]: meta.name } },
  };
}

/** A namespace known only by name (a pod or policy refers to it but the input does not declare it). */
export function implicitNamespace(name: string): Namespace {
  return { kind: 'Namespace', metadata: { name, namespace: '', labels: { [NAMESPACE_NAME_LABEL]: name } } };
}
