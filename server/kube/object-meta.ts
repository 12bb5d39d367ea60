import { object, optionalString, shortened, stringMap } from './decode.ts';
import { FieldError } from './field-error.ts';
import type { Labels } from './label-selector.ts';
import { dnsLabelProblem, dnsSubdomainProblem, labelKeyProblem, labelValueProblem } from './names.ts';

/** The part of metav1.ObjectMeta that Palisade uses. */
export interface ObjectMeta {
  /** The object's name, a DNS-1123 subdomain. */
  readonly name: string;
  /** The namespace; `default` when the input leaves it out. Empty for cluster-scoped kinds. */
  readonly namespace: string;
  /** The object's labels. */
  readonly labels: Labels;
  /** Set by the API server; kept so that writes can refer to the object. */
  readonly uid?: string;
  /** Set by the API server; kept for optimistic concurrency. */
  readonly resourceVersion?: string;
}

/** Reads `metadata`; `namespaced` says whether the kind lives in a namespace. */
export function decodeObjectMeta(value: unknown, namespaced: boolean): ObjectMeta {
  const raw = object(value, 'metadata');
  const name = optionalString(raw.name, 'metadata.name');
  if (!name) throw new FieldError('metadata.name', 'is required');
  const nameProblem = namespaced ? dnsSubdomainProblem(name) : dnsLabelProblem(name);
  if (nameProblem)
    throw new FieldError('metadata.name', `invalid name ${JSON.stringify(shortened(name))}: ${nameProblem}`);
  const namespace = namespaced ? (optionalString(raw.namespace, 'metadata.namespace') ?? 'default') : '';
  const namespaceProblem = namespaced ? dnsLabelProblem(namespace) : undefined;
  if (namespaceProblem) {
    throw new FieldError(
      'metadata.namespace',
      `invalid namespace ${JSON.stringify(shortened(namespace))}: ${namespaceProblem}`,
    );
  }
  const labels = stringMap(raw.labels, 'metadata.labels');
  for (const [key, labelValue] of Object.entries(labels)) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(labelValue);
    if (problem) throw new FieldError(`metadata.labels.${key}`, `invalid label: ${problem}`);
  }
  return {
    name,
    namespace,
    labels,
    uid: optionalString(raw.uid, 'metadata.uid'),
    resourceVersion: optionalString(raw.resourceVersion, 'metadata.resourceVersion'),
  };
}

/** `ns/name`, the key Palisade uses for namespaced objects everywhere. */
export function keyOf(meta: { readonly namespace: string; readonly name: string }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}
