/**
 * The fields of a NetworkPolicy (networking.k8s.io/v1) for the editor's completion: each key with
 * what it holds, and the values it takes where there are only a few.
 */
interface Field {
  readonly doc: string;
  /** Nested fields (of a mapping, or of each item of a sequence). */
  readonly fields?: Readonly<Record<string, Field>>;
  readonly values?: readonly string[];
  /** Whether the field holds a sequence (completion then inserts a first `- ` item). */
  readonly list?: boolean;
}

const LABEL_SELECTOR: Readonly<Record<string, Field>> = {
  matchLabels: { doc: 'Labels the object must have, key: value.' },
  matchExpressions: {
    doc: 'Label requirements, all of which must hold.',
    list: true,
    fields: {
      key: { doc: 'The label key.' },
      operator: {
        doc: 'How the label relates to the values.',
        values: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
      },
      values: { doc: 'Values for In and NotIn.', list: true },
    },
  },
};

const PEER: Readonly<Record<string, Field>> = {
  podSelector: {
    doc: 'Pods (in the policy’s namespace, or in the namespaces selected beside it).',
    fields: LABEL_SELECTOR,
  },
  namespaceSelector: {
    doc: 'Namespaces whose pods are peers; {} selects every namespace.',
    fields: LABEL_SELECTOR,
  },
  ipBlock: {
    doc: 'A CIDR range of peers, outside the pod network usually.',
    fields: {
      cidr: { doc: 'The range, e.g. 10.0.0.0/16.' },
      except: { doc: 'Ranges within cidr that are not peers.', list: true },
    },
  },
};

const PORTS: Field = {
  doc: 'Ports the rule allows; none means every port.',
  list: true,
  fields: {
    protocol: { doc: 'TCP by default.', values: ['TCP', 'UDP', 'SCTP'] },
    port: { doc: 'A number, or the name of a container port.' },
    endPort: { doc: 'The last port of a range starting at port (a number).' },
  },
};

export const NETWORK_POLICY: Field = {
  doc: 'A NetworkPolicy.',
  fields: {
    apiVersion: { doc: 'The API version.', values: ['networking.k8s.io/v1'] },
    kind: { doc: 'The kind.', values: ['NetworkPolicy'] },
    metadata: {
      doc: 'Name, namespace and labels.',
      fields: {
        name: { doc: 'The policy’s name.' },
        namespace: { doc: 'The namespace it applies in (default when left out).' },
        labels: { doc: 'Labels of the policy itself.' },
      },
    },
    spec: {
      doc: 'What the policy selects and allows.',
      fields: {
        podSelector: {
          doc: 'The pods the policy applies to; {} selects all in the namespace.',
          fields: LABEL_SELECTOR,
        },
        policyTypes: {
          doc: 'The directions the selected pods are isolated in.',
          list: true,
          values: ['Ingress', 'Egress'],
        },
        ingress: {
          doc: 'Rules for traffic to the selected pods; any rule that matches allows it.',
          list: true,
          fields: {
            from: { doc: 'Peers allowed in; none means everyone.', list: true, fields: PEER },
            ports: PORTS,
          },
        },
        egress: {
          doc: 'Rules for traffic from the selected pods; any rule that matches allows it.',
          list: true,
          fields: {
            to: { doc: 'Peers allowed out to; none means everyone.', list: true, fields: PEER },
            ports: PORTS,
          },
        },
      },
    },
  },
};

/** A completion: a key (inserted as `key: `) or a value. */
export interface Suggestion {
  readonly label: string;
  readonly kind: 'field' | 'value';
  readonly doc: string;
  /** What to insert. */
  readonly insert: string;
}

/** What may be typed inside the mapping at `path` (from `pathAt`): its keys. */
export function fieldsAt(path: readonly string[]): Suggestion[] {
  let field: Field | undefined = NETWORK_POLICY;
  for (const key of path) field = field?.fields?.[key];
  return Object.entries(field?.fields ?? {}).map(([label, child]) => ({
    label,
    kind: 'field',
    doc: child.doc,
    insert: child.list ? `${label}:\n  - ` : child.fields ? `${label}:\n  ` : `${label}: `,
  }));
}

/** The values of the field `key` inside the mapping at `path`, where it takes only a few. */
export function valuesOf(path: readonly string[], key: string): Suggestion[] {
  let field: Field | undefined = NETWORK_POLICY;
  for (const part of [...path, key]) field = field?.fields?.[part];
  return (field?.values ?? []).map((value) => ({
    label: value,
    kind: 'value',
    doc: field?.doc ?? '',
    insert: value,
  }));
}
