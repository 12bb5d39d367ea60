/**
 * The fields of a NetworkPolicy (networking.k8s.io/v1) and of a ClusterNetworkPolicy
 * (networking.k8s.aws/v1alpha1) for the editor's completion: each key with what it holds, and
 * the values it takes where there are only a few.
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

const NETWORK_POLICY: Field = {
  doc: 'A NetworkPolicy.',
  fields: {
    apiVersion: { doc: 'The API version.', values: ['networking.k8s.io/v1', 'networking.k8s.aws/v1alpha1'] },
    kind: { doc: 'The kind.', values: ['NetworkPolicy', 'ClusterNetworkPolicy'] },
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

const NAMESPACED_POD: Field = {
  doc: 'Pods selected by namespace and pod labels together.',
  fields: {
    namespaceSelector: { doc: 'The namespaces; {} selects all.', fields: LABEL_SELECTOR },
    podSelector: { doc: 'The pods in them; {} selects all.', fields: LABEL_SELECTOR },
  },
};

const NAMESPACES: Field = {
  doc: 'Every pod of the namespaces selected; {} selects all.',
  fields: LABEL_SELECTOR,
};

const CLUSTER_PORTS: Field = {
  doc: 'Ports the rule matches; left out, every port. Each item sets one of the three.',
  list: true,
  fields: {
    portNumber: {
      doc: 'One port.',
      fields: {
        protocol: { doc: 'TCP by default.', values: ['TCP', 'UDP', 'SCTP'] },
        port: { doc: 'The port, 1 to 65535.' },
      },
    },
    portRange: {
      doc: 'A range of ports, start below end.',
      fields: {
        protocol: { doc: 'TCP by default.', values: ['TCP', 'UDP', 'SCTP'] },
        start: { doc: 'The first port.' },
        end: { doc: 'The last port.' },
      },
    },
    namedPort: { doc: 'The name of a container port on the destination pod.' },
  },
};

const ACTION: Field = {
  doc: 'Accept allows and Deny denies, without looking further; Pass goes on to the next tier.',
  values: ['Accept', 'Deny', 'Pass'],
};

const CLUSTER_NETWORK_POLICY: Field = {
  doc: 'A ClusterNetworkPolicy.',
  fields: {
    apiVersion: NETWORK_POLICY.fields?.apiVersion as Field,
    kind: NETWORK_POLICY.fields?.kind as Field,
    metadata: {
      doc: 'Name and labels (cluster-scoped: no namespace).',
      fields: { name: { doc: 'The policy’s name.' }, labels: { doc: 'Labels of the policy itself.' } },
    },
    spec: {
      doc: 'Its tier, priority, subject and rules.',
      fields: {
        tier: {
          doc: 'Admin: before every NetworkPolicy. Baseline: after them, for pods none isolates.',
          values: ['Admin', 'Baseline'],
        },
        priority: { doc: 'Within the tier, 0 to 1000; lower numbers are evaluated first.' },
        subject: {
          doc: 'The pods the policy applies to: set namespaces or pods.',
          fields: { namespaces: NAMESPACES, pods: NAMESPACED_POD },
        },
        ingress: {
          doc: 'Rules for traffic to the subject’s pods, by priority; the first that matches decides.',
          list: true,
          fields: {
            name: { doc: 'A name explanations show (up to 100 characters).' },
            action: ACTION,
            from: {
              doc: 'Peers: each sets namespaces or pods.',
              list: true,
              fields: { namespaces: NAMESPACES, pods: NAMESPACED_POD },
            },
            ports: CLUSTER_PORTS,
          },
        },
        egress: {
          doc: 'Rules for traffic from the subject’s pods, by priority; the first that matches decides.',
          list: true,
          fields: {
            name: { doc: 'A name explanations show (up to 100 characters).' },
            action: ACTION,
            to: {
              doc: 'Peers: each sets namespaces, pods or networks.',
              list: true,
              fields: {
                namespaces: NAMESPACES,
                pods: NAMESPACED_POD,
                networks: { doc: 'CIDRs (up to 25), pod addresses included.', list: true },
              },
            },
            ports: CLUSTER_PORTS,
          },
        },
      },
    },
  },
};

/** The schema of a document of `kind` (a NetworkPolicy unless it says ClusterNetworkPolicy). */
function schemaOf(kind: string | undefined): Field {
  return kind === 'ClusterNetworkPolicy' ? CLUSTER_NETWORK_POLICY : NETWORK_POLICY;
}

/** A completion: a key (inserted as `key: `) or a value. */
export interface Suggestion {
  readonly label: string;
  readonly kind: 'field' | 'value';
  readonly doc: string;
  /** What to insert. */
  readonly insert: string;
}

/** What may be typed inside the mapping at `path` (from `pathAt`): its keys. */
export function fieldsAt(path: readonly string[], kind?: string): Suggestion[] {
  let field: Field | undefined = schemaOf(kind);
  for (const key of path) field = field?.fields?.[key];
  return Object.entries(field?.fields ?? {}).map(([label, child]) => ({
    label,
    kind: 'field',
    doc: child.doc,
    insert: child.list ? `${label}:\n  - ` : child.fields ? `${label}:\n  ` : `${label}: `,
  }));
}

/** The values of the field `key` inside the mapping at `path`, where it takes only a few. */
export function valuesOf(path: readonly string[], key: string, kind?: string): Suggestion[] {
  let field: Field | undefined = schemaOf(kind);
  for (const part of [...path, key]) field = field?.fields?.[part];
  return (field?.values ?? []).map((value) => ({
    label: value,
    kind: 'value',
    doc: field?.doc ?? '',
    insert: value,
  }));
}
