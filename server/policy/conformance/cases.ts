import type { PodKey } from './layout.ts';

/**
 * NetworkPolicy conformance cases over the upstream e2e layout (./layout.ts). Every expectation
 * is written by hand from the documented meaning of the networking.k8s.io/v1 API, never computed
 * by the model under test.
 *
 * Reading a truth table: one row per source pod, one column per destination pod, columns in the
 * order x/a x/b x/c  y/a y/b y/c  z/a z/b z/c (spaces only group namespaces). `.` means the
 * connection is allowed, `X` denied, and `-` marks a pod talking to itself, which never crosses
 * its network interface and so is not subject to policy.
 */

/** The ports every case is judged on; the layout's pods serve all four. */
export const PORTS_OF_INTEREST = ['80/TCP', '81/TCP', '80/UDP', '81/UDP'] as const;
export type PortKey = (typeof PORTS_OF_INTEREST)[number];

/** Rows are sources, keyed by pod; each row has nine cells over the destinations. */
export type Table = Readonly<Record<PodKey, string>>;

/** A table per port; `'*'` stands for every port the case does not list. */
export type Reachability = { readonly [port in PortKey | '*']?: Table };

/**
 * One connection outside the truth tables: to or from an address that is no pod (for ipBlock
 * rules), or involving a pod a case adds to the layout.
 */
export interface Check {
  /** `ns/pod` or an IP address. */
  readonly from: string;
  /** `ns/pod` or an IP address. */
  readonly to: string;
  readonly port: PortKey;
  readonly allowed: boolean;
}

export interface ConformanceCase {
  readonly name: string;
  /** Which rule of the API the case exercises, and why the expectation is what it is. */
  readonly rule: string;
  /** networking.k8s.io/v1 NetworkPolicy documents; empty for no policy at all. */
  readonly policies: string;
  readonly reach: Reachability;
  /** More Kubernetes objects (say a pod with other port names) added to the layout. */
  readonly extraObjects?: string;
  readonly checks?: readonly Check[];
}

/** Strips the indentation the policies share, so they can sit indented in this file. */
export function yaml(strings: TemplateStringsArray): string {
  const lines = strings
    .join('')
    .replace(/^\n/, '')
    .replace(/\n[ ]*$/, '')
    .split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = Math.min(...indents);
  return `${lines.map((line) => line.slice(common)).join('\n')}\n`;
}

// Tables that several cases share. Each is written out in full.

export const OPEN: Table = {
  'x/a': '-.. ... ...',
  'x/b': '.-. ... ...',
  'x/c': '..- ... ...',
  'y/a': '... -.. ...',
  'y/b': '... .-. ...',
  'y/c': '... ..- ...',
  'z/a': '... ... -..',
  'z/b': '... ... .-.',
  'z/c': '... ... ..-',
};

const DENIED_ALL: Table = {
  'x/a': '-XX XXX XXX',
  'x/b': 'X-X XXX XXX',
  'x/c': 'XX- XXX XXX',
  'y/a': 'XXX -XX XXX',
  'y/b': 'XXX X-X XXX',
  'y/c': 'XXX XX- XXX',
  'z/a': 'XXX XXX -XX',
  'z/b': 'XXX XXX X-X',
  'z/c': 'XXX XXX XX-',
};

/** No pod reaches x/a. */
const NOTHING_INTO_XA: Table = {
  'x/a': '-.. ... ...',
  'x/b': 'X-. ... ...',
  'x/c': 'X.- ... ...',
  'y/a': 'X.. -.. ...',
  'y/b': 'X.. .-. ...',
  'y/c': 'X.. ..- ...',
  'z/a': 'X.. ... -..',
  'z/b': 'X.. ... .-.',
  'z/c': 'X.. ... ..-',
};

/** x/a reaches no pod. */
const NOTHING_OUT_OF_XA: Table = {
  'x/a': '-XX XXX XXX',
  'x/b': '.-. ... ...',
  'x/c': '..- ... ...',
  'y/a': '... -.. ...',
  'y/b': '... .-. ...',
  'y/c': '... ..- ...',
  'z/a': '... ... -..',
  'z/b': '... ... .-.',
  'z/c': '... ... ..-',
};

/** No pod reaches a pod of x. */
const NOTHING_INTO_X: Table = {
  'x/a': '-XX ... ...',
  'x/b': 'X-X ... ...',
  'x/c': 'XX- ... ...',
  'y/a': 'XXX -.. ...',
  'y/b': 'XXX .-. ...',
  'y/c': 'XXX ..- ...',
  'z/a': 'XXX ... -..',
  'z/b': 'XXX ... .-.',
  'z/c': 'XXX ... ..-',
};

/** No pod of x reaches another pod. */
const NOTHING_OUT_OF_X: Table = {
  'x/a': '-XX XXX XXX',
  'x/b': 'X-X XXX XXX',
  'x/c': 'XX- XXX XXX',
  'y/a': '... -.. ...',
  'y/b': '... .-. ...',
  'y/c': '... ..- ...',
  'z/a': '... ... -..',
  'z/b': '... ... .-.',
  'z/c': '... ... ..-',
};

/** No pod reaches a pod of y. */
const NOTHING_INTO_Y: Table = {
  'x/a': '-.. XXX ...',
  'x/b': '.-. XXX ...',
  'x/c': '..- XXX ...',
  'y/a': '... -XX ...',
  'y/b': '... X-X ...',
  'y/c': '... XX- ...',
  'z/a': '... XXX -..',
  'z/b': '... XXX .-.',
  'z/c': '... XXX ..-',
};

/** No pod reaches y/b. */
const NOTHING_INTO_YB: Table = {
  'x/a': '-.. .X. ...',
  'x/b': '.-. .X. ...',
  'x/c': '..- .X. ...',
  'y/a': '... -X. ...',
  'y/b': '... .-. ...',
  'y/c': '... .X- ...',
  'z/a': '... .X. -..',
  'z/b': '... .X. .-.',
  'z/c': '... .X. ..-',
};

/** Only x/b reaches x/a. */
const INTO_XA_FROM_XB: Table = {
  'x/a': '-.. ... ...',
  'x/b': '.-. ... ...',
  'x/c': 'X.- ... ...',
  'y/a': 'X.. -.. ...',
  'y/b': 'X.. .-. ...',
  'y/c': 'X.. ..- ...',
  'z/a': 'X.. ... -..',
  'z/b': 'X.. ... .-.',
  'z/c': 'X.. ... ..-',
};

/** Only the other pods of x (x/b, x/c) reach x/a. */
const INTO_XA_FROM_X: Table = {
  'x/a': '-.. ... ...',
  'x/b': '.-. ... ...',
  'x/c': '..- ... ...',
  'y/a': 'X.. -.. ...',
  'y/b': 'X.. .-. ...',
  'y/c': 'X.. ..- ...',
  'z/a': 'X.. ... -..',
  'z/b': 'X.. ... .-.',
  'z/c': 'X.. ... ..-',
};

/** Only the pods of y reach x/a. */
const INTO_XA_FROM_Y: Table = {
  'x/a': '-.. ... ...',
  'x/b': 'X-. ... ...',
  'x/c': 'X.- ... ...',
  'y/a': '... -.. ...',
  'y/b': '... .-. ...',
  'y/c': '... ..- ...',
  'z/a': 'X.. ... -..',
  'z/b': 'X.. ... .-.',
  'z/c': 'X.. ... ..-',
};

/** Only x/b and the pods of y reach x/a. */
const INTO_XA_FROM_XB_AND_Y: Table = {
  'x/a': '-.. ... ...',
  'x/b': '.-. ... ...',
  'x/c': 'X.- ... ...',
  'y/a': '... -.. ...',
  'y/b': '... .-. ...',
  'y/c': '... ..- ...',
  'z/a': 'X.. ... -..',
  'z/b': 'X.. ... .-.',
  'z/c': 'X.. ... ..-',
};

/** A pod of x whose port names are swapped: `serve-80-tcp` is its port 81 and `serve-81-tcp` its port 80. */
const SWAPPED_NAMES_POD = yaml`
  apiVersion: v1
  kind: Pod
  metadata: {name: d, namespace: x, labels: {pod: d}}
  spec:
    containers:
    - name: swapped
      ports:
      - {name: serve-80-tcp, containerPort: 81, protocol: TCP}
      - {name: serve-81-tcp, containerPort: 80, protocol: TCP}
  status: {phase: Running, podIP: 10.77.10.4}
`;

/** Default deny and allow-all: what isolation does, and that policies add up. */
const ISOLATION: readonly ConformanceCase[] = [
  {
    name: 'no-policies-all-allowed',
    rule: 'With no NetworkPolicy, pods are non-isolated: every connection is allowed, in both directions.',
    policies: '',
    reach: { '*': OPEN },
    checks: [
      { from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: true },
      { from: '192.0.2.10', to: 'x/a', port: '81/UDP', allowed: true },
    ],
  },
  {
    name: 'deny-all-ingress',
    rule: 'podSelector {} with policyTypes [Ingress] and no rules isolates every pod of x for ingress and allows nothing in; egress stays open.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: default-deny-ingress, namespace: x}
      spec:
        podSelector: {}
        policyTypes: [Ingress]
    `,
    reach: { '*': NOTHING_INTO_X },
    checks: [
      { from: '192.0.2.10', to: 'x/b', port: '80/TCP', allowed: false },
      { from: 'x/b', to: '192.0.2.10', port: '80/TCP', allowed: true },
    ],
  },
  {
    name: 'deny-all-ingress-policy-types-defaulted',
    rule: 'A policy with neither policyTypes nor rules defaults to policyTypes [Ingress]: a default deny of ingress.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: default-deny, namespace: x}
      spec:
        podSelector: {}
    `,
    reach: { '*': NOTHING_INTO_X },
    checks: [{ from: 'x/c', to: '192.0.2.10', port: '81/TCP', allowed: true }],
  },
  {
    name: 'deny-all-egress',
    rule: 'podSelector {} with policyTypes [Egress] and no rules: pods of x may send nothing; ingress into x stays open.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: default-deny-egress, namespace: x}
      spec:
        podSelector: {}
        policyTypes: [Egress]
    `,
    reach: { '*': NOTHING_OUT_OF_X },
    checks: [
      { from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: false },
      { from: 'y/a', to: '192.0.2.10', port: '80/TCP', allowed: true },
      { from: '192.0.2.10', to: 'x/a', port: '80/TCP', allowed: true },
    ],
  },
  {
    name: 'deny-all-ingress-and-egress',
    rule: 'policyTypes [Ingress, Egress] with no rules isolates the pods of x both ways: nothing in, nothing out.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: default-deny-all, namespace: x}
      spec:
        podSelector: {}
        policyTypes: [Ingress, Egress]
    `,
    reach: {
      '*': {
        'x/a': '-XX XXX XXX',
        'x/b': 'X-X XXX XXX',
        'x/c': 'XX- XXX XXX',
        'y/a': 'XXX -.. ...',
        'y/b': 'XXX .-. ...',
        'y/c': 'XXX ..- ...',
        'z/a': 'XXX ... -..',
        'z/b': 'XXX ... .-.',
        'z/c': 'XXX ... ..-',
      },
    },
  },
  {
    name: 'deny-all-ingress-every-namespace',
    rule: 'A default deny of ingress in each of x, y and z: no pod reaches any other.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny, namespace: x}
      spec: {podSelector: {}, policyTypes: [Ingress]}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny, namespace: y}
      spec: {podSelector: {}, policyTypes: [Ingress]}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny, namespace: z}
      spec: {podSelector: {}, policyTypes: [Ingress]}
    `,
    reach: { '*': DENIED_ALL },
  },
  {
    name: 'allow-all-ingress',
    rule: 'ingress: [{}] (one rule with no from and no ports) isolates x/a yet allows every source on every port.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: allow-all-to-a, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress: [{}]
    `,
    reach: { '*': OPEN },
    checks: [{ from: '192.0.2.10', to: 'x/a', port: '81/UDP', allowed: true }],
  },
  {
    name: 'deny-all-and-allow-all-ingress-union',
    rule: 'Policies are additive: a default deny and an allow-all for the same pods add up to allow-all.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny, namespace: x}
      spec: {podSelector: {}, policyTypes: [Ingress]}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: allow-all, namespace: x}
      spec:
        podSelector: {}
        ingress: [{}]
    `,
    reach: { '*': OPEN },
  },
  {
    name: 'deny-all-and-allow-all-egress-union',
    rule: 'The same for egress: a default deny of egress plus egress: [{}] allows everything out, external addresses included.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-egress, namespace: x}
      spec: {podSelector: {}, policyTypes: [Egress]}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: allow-all-egress, namespace: x}
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress: [{}]
    `,
    reach: { '*': OPEN },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '80/UDP', allowed: true }],
  },
  {
    name: 'pod-selector-selects-nothing',
    rule: 'A policy whose podSelector matches no pod (no pod is labelled pod=d) isolates nothing, whatever it says.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-d, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: d}}
        policyTypes: [Ingress, Egress]
    `,
    reach: { '*': OPEN },
  },
  {
    name: 'policy-affects-own-namespace-only',
    rule: "spec.podSelector selects pods in the policy's own namespace only: a deny for pod=a in z leaves x/a and y/a alone.",
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-a, namespace: z}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Ingress]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... X..',
        'x/b': '.-. ... X..',
        'x/c': '..- ... X..',
        'y/a': '... -.. X..',
        'y/b': '... .-. X..',
        'y/c': '... ..- X..',
        'z/a': '... ... -..',
        'z/b': '... ... X-.',
        'z/c': '... ... X.-',
      },
    },
  },
];

/** How policyTypes is defaulted and what an explicit one does. */
const POLICY_TYPES: readonly ConformanceCase[] = [
  {
    name: 'ingress-rules-imply-ingress-only',
    rule: 'Without policyTypes a policy with only ingress rules is [Ingress]: x admits only x/b, and egress from x stays open.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-b, namespace: x}
      spec:
        podSelector: {}
        ingress:
        - from: [{podSelector: {matchLabels: {pod: b}}}]
    `,
    reach: {
      '*': {
        'x/a': '-XX ... ...',
        'x/b': '.-. ... ...',
        'x/c': 'XX- ... ...',
        'y/a': 'XXX -.. ...',
        'y/b': 'XXX .-. ...',
        'y/c': 'XXX ..- ...',
        'z/a': 'XXX ... -..',
        'z/b': 'XXX ... .-.',
        'z/c': 'XXX ... ..-',
      },
    },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: true }],
  },
  {
    name: 'egress-rules-add-egress-type',
    rule: 'Without policyTypes a policy with egress rules is [Ingress, Egress]: x/a may only send to x/b, and (no ingress rules) receives nothing.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: a-to-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        egress:
        - to: [{podSelector: {matchLabels: {pod: b}}}]
    `,
    reach: {
      '*': {
        'x/a': '-.X XXX XXX',
        'x/b': 'X-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': 'X.. ... -..',
        'z/b': 'X.. ... .-.',
        'z/c': 'X.. ... ..-',
      },
    },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: false }],
  },
  {
    name: 'empty-egress-list-adds-no-egress',
    rule: 'egress: [] holds no rule, so defaulting gives [Ingress] only: x/a receives nothing but may still send anywhere.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: empty-egress, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        egress: []
    `,
    reach: { '*': NOTHING_INTO_XA },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: true }],
  },
  {
    name: 'explicit-egress-type-ignores-ingress-rules',
    rule: 'policyTypes [Egress] with ingress rules present: the ingress rules are ignored, so x/a is not isolated for ingress; it may only send to x/b.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: egress-only, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        ingress:
        - from: [{podSelector: {matchLabels: {pod: c}}}]
        egress:
        - to: [{podSelector: {matchLabels: {pod: b}}}]
    `,
    reach: {
      '*': {
        'x/a': '-.X XXX XXX',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': '... -.. ...',
        'y/b': '... .-. ...',
        'y/c': '... ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'explicit-ingress-type-ignores-egress-rules',
    rule: 'policyTypes [Ingress] with egress rules present: the egress rules are ignored, x/a may send anywhere and admits only x/c.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: ingress-only, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Ingress]
        ingress:
        - from: [{podSelector: {matchLabels: {pod: c}}}]
        egress:
        - to: [{podSelector: {matchLabels: {pod: b}}}]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': 'X-. ... ...',
        'x/c': '..- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': 'X.. ... -..',
        'z/b': 'X.. ... .-.',
        'z/c': 'X.. ... ..-',
      },
    },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '81/TCP', allowed: true }],
  },
  {
    name: 'both-types-without-egress-rules-deny-egress',
    rule: 'policyTypes [Ingress, Egress] with an allow-all ingress rule and no egress rule: x/a receives from all and sends nothing.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: in-all-out-none, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Ingress, Egress]
        ingress: [{}]
    `,
    reach: { '*': NOTHING_OUT_OF_XA },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: false }],
  },
  {
    name: 'separate-ingress-and-egress-policies',
    rule: 'One policy isolates x/a for ingress (from x/b), another for egress (to x/c); each governs its own direction only.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: in-from-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Ingress]
        ingress:
        - from: [{podSelector: {matchLabels: {pod: b}}}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: out-to-c, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - to: [{podSelector: {matchLabels: {pod: c}}}]
    `,
    reach: {
      '*': {
        'x/a': '-X. XXX XXX',
        'x/b': '.-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': 'X.. ... -..',
        'z/b': 'X.. ... .-.',
        'z/c': 'X.. ... ..-',
      },
    },
  },
];

/** Peers: podSelector, namespaceSelector, both, and policies adding up. */
const PEERS: readonly ConformanceCase[] = [
  {
    name: 'pod-selector-peer-same-namespace-only',
    rule: "A peer with only podSelector selects pods in the policy's namespace: pod=b means x/b, not y/b or z/b. No ports: every port.",
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{podSelector: {matchLabels: {pod: b}}}]
    `,
    reach: { '*': INTO_XA_FROM_XB },
  },
  {
    name: 'empty-pod-selector-peer-whole-namespace',
    rule: "podSelector {} as a peer is every pod of the policy's namespace: x admits the pods of x only.",
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: same-namespace, namespace: x}
      spec:
        podSelector: {}
        ingress:
        - from: [{podSelector: {}}]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': 'XXX -.. ...',
        'y/b': 'XXX .-. ...',
        'y/c': 'XXX ..- ...',
        'z/a': 'XXX ... -..',
        'z/b': 'XXX ... .-.',
        'z/c': 'XXX ... ..-',
      },
    },
    checks: [{ from: '192.0.2.10', to: 'x/b', port: '80/TCP', allowed: false }],
  },
  {
    name: 'pod-selector-peer-in-policy-of-y',
    rule: 'The same rule from a policy in y: pod=a means y/a, so the pods of y admit y/a only.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-a, namespace: y}
      spec:
        podSelector: {}
        ingress:
        - from: [{podSelector: {matchLabels: {pod: a}}}]
    `,
    reach: {
      '*': {
        'x/a': '-.. XXX ...',
        'x/b': '.-. XXX ...',
        'x/c': '..- XXX ...',
        'y/a': '... -.. ...',
        'y/b': '... X-X ...',
        'y/c': '... XX- ...',
        'z/a': '... XXX -..',
        'z/b': '... XXX .-.',
        'z/c': '... XXX ..-',
      },
    },
  },
  {
    name: 'namespace-selector-peer-alone',
    rule: 'A peer with only namespaceSelector selects every pod of the selected namespaces: ns=y admits y/a, y/b, y/c.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-y, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
    `,
    reach: { '*': INTO_XA_FROM_Y },
  },
  {
    name: 'namespace-and-pod-selector-in-one-peer',
    rule: 'namespaceSelector and podSelector in the same peer are ANDed: pods labelled pod=b in namespaces labelled ns=y, i.e. y/b only.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-y-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - namespaceSelector: {matchLabels: {ns: y}}
            podSelector: {matchLabels: {pod: b}}
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': 'X-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': '... .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': 'X.. ... -..',
        'z/b': 'X.. ... .-.',
        'z/c': 'X.. ... ..-',
      },
    },
  },
  {
    name: 'namespace-and-pod-selector-as-two-peers',
    rule: 'The same selectors as two peers of one rule are ORed: all of y, plus x/b (pod=b in the policy namespace).',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-y-or-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - namespaceSelector: {matchLabels: {ns: y}}
          - podSelector: {matchLabels: {pod: b}}
    `,
    reach: { '*': INTO_XA_FROM_XB_AND_Y },
  },
  {
    name: 'empty-namespace-selector-all-namespaces',
    rule: 'namespaceSelector {} selects all namespaces, so every pod reaches x/a; it selects pods only, so an external address does not.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-all-pods, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{namespaceSelector: {}}]
    `,
    reach: { '*': OPEN },
    checks: [{ from: '192.0.2.10', to: 'x/a', port: '80/TCP', allowed: false }],
  },
  {
    name: 'empty-namespace-selector-with-pod-selector',
    rule: 'namespaceSelector {} with podSelector pod=b: pods labelled pod=b in any namespace (x/b, y/b, z/b).',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-any-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - namespaceSelector: {}
            podSelector: {matchLabels: {pod: b}}
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': '.-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': '... .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': 'X.. ... -..',
        'z/b': '... ... .-.',
        'z/c': 'X.. ... ..-',
      },
    },
  },
  {
    name: 'namespace-name-label',
    rule: 'Every namespace carries kubernetes.io/metadata.name=<its name>, so a namespaceSelector can name z directly.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-z, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}}]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': 'X-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'namespace-selector-egress',
    rule: 'An egress rule to namespaceSelector ns=y: x/a may send to the pods of y only.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: to-y, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - to: [{namespaceSelector: {matchLabels: {ns: y}}}]
    `,
    reach: {
      '*': {
        'x/a': '-XX ... XXX',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': '... -.. ...',
        'y/b': '... .-. ...',
        'y/c': '... ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: false }],
  },
  {
    name: 'namespace-and-pod-selector-egress',
    rule: 'An egress peer with namespaceSelector ns=z AND podSelector pod=c: x/a may send to z/c only.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: to-z-c, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - to:
          - namespaceSelector: {matchLabels: {ns: z}}
            podSelector: {matchLabels: {pod: c}}
    `,
    reach: {
      '*': {
        'x/a': '-XX XXX XX.',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': '... -.. ...',
        'y/b': '... .-. ...',
        'y/c': '... ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'union-of-peers-across-policies',
    rule: 'Two policies selecting x/a, one admitting x/b and one admitting ns=y: the union, as if they were one rule.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{podSelector: {matchLabels: {pod: b}}}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-y, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
    `,
    reach: { '*': INTO_XA_FROM_XB_AND_Y },
  },
  {
    name: 'union-of-ports-across-policies',
    rule: 'One policy admits everyone on 80/TCP, another admits x/b on every port: 80/TCP is open to all, other ports to x/b only.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: port-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{port: 80}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{podSelector: {matchLabels: {pod: b}}}]
    `,
    reach: { '80/TCP': OPEN, '*': INTO_XA_FROM_XB },
  },
];

/** matchLabels and every matchExpressions operator, on pods and on namespaces. */
const SELECTORS: readonly ConformanceCase[] = [
  {
    name: 'match-expressions-in',
    rule: 'pod In (b, c) in any namespace: the b and c pods of x, y and z reach x/a; the a pods do not.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-b-c, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - namespaceSelector: {}
            podSelector:
              matchExpressions: [{key: pod, operator: In, values: [b, c]}]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': '... .-. ...',
        'y/c': '... ..- ...',
        'z/a': 'X.. ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'match-expressions-not-in',
    rule: 'namespaceSelector ns NotIn (x): the pods of y and z reach x/a, x/b and x/c do not.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-not-x, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - namespaceSelector:
              matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': 'X-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': '... -.. ...',
        'y/b': '... .-. ...',
        'y/c': '... ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'match-expressions-not-in-absent-pod-label',
    rule: 'NotIn is satisfied by a missing key: no pod has an ns label, so podSelector ns NotIn (x) matches every pod of x.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: absent-key, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - podSelector:
              matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
    `,
    reach: { '*': INTO_XA_FROM_X },
  },
  {
    name: 'match-expressions-not-in-absent-namespace-label',
    rule: 'No namespace has a pod label, so namespaceSelector pod NotIn (a) matches all of them; ANDed with pod=c: x/c, y/c, z/c.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: absent-namespace-key, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - namespaceSelector:
              matchExpressions: [{key: pod, operator: NotIn, values: [a]}]
            podSelector: {matchLabels: {pod: c}}
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': 'X-. ... ...',
        'x/c': '..- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': '... ..- ...',
        'z/a': 'X.. ... -..',
        'z/b': 'X.. ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'match-expressions-exists-in-pod-selector',
    rule: 'spec.podSelector pod Exists selects every pod of x (default deny there); ns Exists in y selects no pod (pods have no ns label).',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-labelled, namespace: x}
      spec:
        podSelector:
          matchExpressions: [{key: pod, operator: Exists}]
        policyTypes: [Ingress]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-none, namespace: y}
      spec:
        podSelector:
          matchExpressions: [{key: ns, operator: Exists}]
        policyTypes: [Ingress]
    `,
    reach: { '*': NOTHING_INTO_X },
  },
  {
    name: 'match-expressions-does-not-exist-in-pod-selector',
    rule: 'spec.podSelector pod DoesNotExist in x selects no pod; ns DoesNotExist in y selects every pod of y (default deny there).',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-none, namespace: x}
      spec:
        podSelector:
          matchExpressions: [{key: pod, operator: DoesNotExist}]
        policyTypes: [Ingress]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-unlabelled, namespace: y}
      spec:
        podSelector:
          matchExpressions: [{key: ns, operator: DoesNotExist}]
        policyTypes: [Ingress]
    `,
    reach: { '*': NOTHING_INTO_Y },
  },
  {
    name: 'match-expressions-exists-and-does-not-exist-in-peer',
    rule: 'Namespaces with an ns label and without a pod label (all three), pods with pod In (a): y/a and z/a reach x/a.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-a-pods, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - namespaceSelector:
              matchExpressions:
              - {key: ns, operator: Exists}
              - {key: pod, operator: DoesNotExist}
            podSelector:
              matchExpressions: [{key: pod, operator: In, values: [a]}]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': 'X-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': '... -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': '... ... -..',
        'z/b': 'X.. ... .-.',
        'z/c': 'X.. ... ..-',
      },
    },
  },
  {
    name: 'match-labels-and-expressions-anded',
    rule: 'matchLabels ns=y and matchExpressions name In (y, z) in one selector must both hold: y only, not z.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-y, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - namespaceSelector:
              matchLabels: {ns: y}
              matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [y, z]}]
    `,
    reach: { '*': INTO_XA_FROM_Y },
  },
  {
    name: 'match-expressions-not-in-spec-pod-selector',
    rule: 'spec.podSelector pod NotIn (a) selects x/b and x/c for a default deny; x/a stays open.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-not-a, namespace: x}
      spec:
        podSelector:
          matchExpressions: [{key: pod, operator: NotIn, values: [a]}]
        policyTypes: [Ingress]
    `,
    reach: {
      '*': {
        'x/a': '-XX ... ...',
        'x/b': '.-X ... ...',
        'x/c': '.X- ... ...',
        'y/a': '.XX -.. ...',
        'y/b': '.XX .-. ...',
        'y/c': '.XX ..- ...',
        'z/a': '.XX ... -..',
        'z/b': '.XX ... .-.',
        'z/c': '.XX ... ..-',
      },
    },
  },
];

/** ipBlock peers, on pod addresses and on addresses outside the pods. */
const IP_BLOCKS: readonly ConformanceCase[] = [
  {
    name: 'ip-block-pod-ips-ingress',
    rule: 'ipBlock 10.77.20.0/24 matches the IPs of the pods of y, and any other address in it; nothing else.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-cidr, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{ipBlock: {cidr: 10.77.20.0/24}}]
    `,
    reach: { '*': INTO_XA_FROM_Y },
    checks: [
      { from: '10.77.20.200', to: 'x/a', port: '80/TCP', allowed: true },
      { from: '192.0.2.10', to: 'x/a', port: '80/TCP', allowed: false },
    ],
  },
  {
    name: 'ip-block-except-namespace',
    rule: 'ipBlock 10.77.0.0/16 except 10.77.20.0/24: every pod but those of y; addresses in the except range are denied too.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-cidr-except, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - ipBlock: {cidr: 10.77.0.0/16, except: [10.77.20.0/24]}
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
    checks: [
      { from: '10.77.20.200', to: 'x/a', port: '80/TCP', allowed: false },
      { from: '10.77.99.1', to: 'x/a', port: '80/TCP', allowed: true },
      { from: '192.0.2.10', to: 'x/a', port: '80/TCP', allowed: false },
    ],
  },
  {
    name: 'ip-block-except-single-pod',
    rule: 'ipBlock 10.77.30.0/24 except 10.77.30.2/32: z/a and z/c reach x/a, z/b (10.77.30.2) does not.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-z-but-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from:
          - ipBlock: {cidr: 10.77.30.0/24, except: [10.77.30.2/32]}
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': 'X-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': 'X.. ..- ...',
        'z/a': '... ... -..',
        'z/b': 'X.. ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'ip-block-single-pod',
    rule: 'ipBlock 10.77.20.3/32 is exactly the IP of y/c: y/c reaches x/a, its neighbour address does not.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-y-c, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{ipBlock: {cidr: 10.77.20.3/32}}]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': 'X-. ... ...',
        'x/c': 'X.- ... ...',
        'y/a': 'X.. -.. ...',
        'y/b': 'X.. .-. ...',
        'y/c': '... ..- ...',
        'z/a': 'X.. ... -..',
        'z/b': 'X.. ... .-.',
        'z/c': 'X.. ... ..-',
      },
    },
    checks: [{ from: '10.77.20.4', to: 'x/a', port: '80/TCP', allowed: false }],
  },
  {
    name: 'ip-block-egress-external',
    rule: 'An egress rule to ipBlock 192.0.2.0/24: x/a may reach 192.0.2.10 on every port, and no pod and no other address.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: to-test-net, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - to: [{ipBlock: {cidr: 192.0.2.0/24}}]
    `,
    reach: { '*': NOTHING_OUT_OF_XA },
    checks: [
      { from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: true },
      { from: 'x/a', to: '192.0.2.10', port: '81/UDP', allowed: true },
      { from: 'x/a', to: '198.51.100.10', port: '80/TCP', allowed: false },
      { from: 'x/b', to: '198.51.100.10', port: '80/TCP', allowed: true },
      { from: '192.0.2.10', to: 'x/a', port: '80/TCP', allowed: true },
    ],
  },
  {
    name: 'ip-block-egress-except-external',
    rule: 'Egress to 192.0.2.0/24 except 192.0.2.8/29 (192.0.2.8 to .15): 192.0.2.10 is denied, .7 and .20 allowed.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: to-test-net-except, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - to:
          - ipBlock: {cidr: 192.0.2.0/24, except: [192.0.2.8/29]}
    `,
    reach: { '*': NOTHING_OUT_OF_XA },
    checks: [
      { from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: false },
      { from: 'x/a', to: '192.0.2.7', port: '80/TCP', allowed: true },
      { from: 'x/a', to: '192.0.2.20', port: '80/UDP', allowed: true },
    ],
  },
  {
    name: 'ip-block-egress-internet-not-pods',
    rule: 'Egress to 0.0.0.0/0 except the pod network 10.77.0.0/16: the pods of x reach outside addresses and no pod.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: internet-only, namespace: x}
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress:
        - to:
          - ipBlock: {cidr: 0.0.0.0/0, except: [10.77.0.0/16]}
    `,
    reach: { '*': NOTHING_OUT_OF_X },
    checks: [
      { from: 'x/b', to: '192.0.2.10', port: '80/TCP', allowed: true },
      { from: 'x/b', to: '10.77.99.1', port: '80/TCP', allowed: false },
      { from: 'y/a', to: '10.77.99.1', port: '80/TCP', allowed: true },
    ],
  },
  {
    name: 'ip-block-egress-pod-ips-with-port',
    rule: 'Egress to ipBlock 10.77.30.0/24 on port 80: x/a reaches the pods of z on 80/TCP and nothing else.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: to-z-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - to: [{ipBlock: {cidr: 10.77.30.0/24}}]
          ports: [{port: 80}]
    `,
    reach: {
      '80/TCP': {
        'x/a': '-XX XXX ...',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': '... -.. ...',
        'y/b': '... .-. ...',
        'y/c': '... ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
      '*': NOTHING_OUT_OF_XA,
    },
    checks: [
      { from: 'x/a', to: '10.77.30.99', port: '80/TCP', allowed: true },
      { from: 'x/a', to: '10.77.30.99', port: '81/TCP', allowed: false },
      { from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: false },
    ],
  },
];

/** Port numbers, protocols, ranges, and how rules and ports combine. */
const PORTS: readonly ConformanceCase[] = [
  {
    name: 'ports-without-from',
    rule: 'A rule with ports and no from admits every source, pods and outside addresses, on those ports only (80/TCP).',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: port-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{protocol: TCP, port: 80}]
    `,
    reach: { '80/TCP': OPEN, '*': NOTHING_INTO_XA },
    checks: [
      { from: '192.0.2.10', to: 'x/a', port: '80/TCP', allowed: true },
      { from: '192.0.2.10', to: 'x/a', port: '81/TCP', allowed: false },
    ],
  },
  {
    name: 'protocol-defaults-to-tcp',
    rule: 'A port without protocol is TCP: port 81 admits 81/TCP and not 81/UDP.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: port-81, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{port: 81}]
    `,
    reach: { '81/TCP': OPEN, '*': NOTHING_INTO_XA },
  },
  {
    name: 'udp-only',
    rule: 'protocol UDP port 80 admits 80/UDP only: not 80/TCP, not 81/UDP.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: udp-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{protocol: UDP, port: 80}]
    `,
    reach: { '80/UDP': OPEN, '*': NOTHING_INTO_XA },
  },
  {
    name: 'protocol-without-port',
    rule: 'A port entry with protocol UDP and no port admits every UDP port, and no TCP port.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: all-udp, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{protocol: UDP}]
    `,
    reach: { '80/UDP': OPEN, '81/UDP': OPEN, '*': NOTHING_INTO_XA },
  },
  {
    name: 'sctp-allows-no-tcp-or-udp',
    rule: 'SCTP port 80, and SCTP on every port, admit SCTP only: x/a is isolated and gets no TCP or UDP at all.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: sctp, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{protocol: SCTP, port: 80}, {protocol: SCTP}]
    `,
    reach: { '*': NOTHING_INTO_XA },
  },
  {
    name: 'end-port-range-80-81',
    rule: 'port 80 with endPort 81 is the TCP range 80..81 inclusive: both TCP ports, no UDP.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: range-80-81, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{port: 80, endPort: 81}]
    `,
    reach: { '80/TCP': OPEN, '81/TCP': OPEN, '*': NOTHING_INTO_XA },
  },
  {
    name: 'end-port-range-81-90',
    rule: 'port 81 with endPort 90 includes 81/TCP and excludes 80/TCP, which is below the range.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: range-81-90, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{port: 81, endPort: 90}]
    `,
    reach: { '81/TCP': OPEN, '*': NOTHING_INTO_XA },
  },
  {
    name: 'end-port-range-udp-egress',
    rule: 'An egress UDP range 79..80: x/a may send 80/UDP (to pods and outside), but not 81/UDP and no TCP.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: udp-79-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - ports: [{protocol: UDP, port: 79, endPort: 80}]
    `,
    reach: { '80/UDP': OPEN, '*': NOTHING_OUT_OF_XA },
    checks: [
      { from: 'x/a', to: '192.0.2.10', port: '80/UDP', allowed: true },
      { from: 'x/a', to: '192.0.2.10', port: '81/UDP', allowed: false },
      { from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: false },
    ],
  },
  {
    name: 'from-and-ports',
    rule: 'A rule with both from and ports needs both: x/b on 80/TCP; x/b on other ports and others on 80 are denied.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: b-on-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{podSelector: {matchLabels: {pod: b}}}]
          ports: [{port: 80}]
    `,
    reach: { '80/TCP': INTO_XA_FROM_XB, '*': NOTHING_INTO_XA },
  },
  {
    name: 'multiple-ports-in-one-rule',
    rule: 'The ports of one rule are ORed: 80/TCP or 81/UDP; 81/TCP and 80/UDP stay denied.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: two-ports, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{port: 80}, {protocol: UDP, port: 81}]
    `,
    reach: { '80/TCP': OPEN, '81/UDP': OPEN, '*': NOTHING_INTO_XA },
  },
  {
    name: 'multiple-rules-in-one-policy',
    rule: 'The rules of one policy are ORed, each with its own peers and ports: x/b on 80/TCP, or the pods of y on 81/TCP (not crossed over).',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: two-rules, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{podSelector: {matchLabels: {pod: b}}}]
          ports: [{port: 80}]
        - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
          ports: [{port: 81}]
    `,
    reach: { '80/TCP': INTO_XA_FROM_XB, '81/TCP': INTO_XA_FROM_Y, '*': NOTHING_INTO_XA },
  },
  {
    name: 'egress-ports-without-to',
    rule: 'An egress rule with ports and no to allows every destination, pod or not, on those ports (81/TCP).',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: out-81, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - ports: [{port: 81}]
    `,
    reach: { '81/TCP': OPEN, '*': NOTHING_OUT_OF_XA },
    checks: [
      { from: 'x/a', to: '192.0.2.10', port: '81/TCP', allowed: true },
      { from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: false },
    ],
  },
];

/** Named ports, which stand for the destination pod's container port of that name and protocol. */
const NAMED_PORTS: readonly ConformanceCase[] = [
  {
    name: 'named-port-ingress',
    rule: 'port serve-80-tcp (protocol TCP by default) is container port 80/TCP of x/a: 80/TCP only.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: named-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{port: serve-80-tcp}]
    `,
    reach: { '80/TCP': OPEN, '*': NOTHING_INTO_XA },
  },
  {
    name: 'named-port-udp',
    rule: 'protocol UDP, port serve-81-udp is 81/UDP of x/a: 81/UDP only.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: named-81-udp, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{protocol: UDP, port: serve-81-udp}]
    `,
    reach: { '81/UDP': OPEN, '*': NOTHING_INTO_XA },
  },
  {
    name: 'named-port-wrong-protocol',
    rule: 'UDP serve-80-tcp and TCP serve-80-udp name no port on that protocol, so they allow nothing; x/a is isolated.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: named-wrong-protocol, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - ports: [{protocol: UDP, port: serve-80-tcp}, {protocol: TCP, port: serve-80-udp}]
    `,
    reach: { '*': NOTHING_INTO_XA },
  },
  {
    name: 'named-port-egress',
    rule: 'An egress named port serve-81-tcp is 81/TCP on each destination pod; an outside address has no named ports, so it is denied.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: out-named-81, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - ports: [{port: serve-81-tcp}]
    `,
    reach: { '81/TCP': OPEN, '*': NOTHING_OUT_OF_XA },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '81/TCP', allowed: false }],
  },
  {
    name: 'named-port-resolved-on-selected-pod',
    rule: 'For ingress a named port resolves on each selected pod: serve-80-tcp is 80 on x/a..x/c but 81 on x/d, whose names are swapped.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: named-80-in-x, namespace: x}
      spec:
        podSelector: {}
        ingress:
        - ports: [{port: serve-80-tcp}]
    `,
    extraObjects: SWAPPED_NAMES_POD,
    reach: { '80/TCP': OPEN, '*': NOTHING_INTO_X },
    checks: [
      { from: 'y/a', to: 'x/d', port: '81/TCP', allowed: true },
      { from: 'y/a', to: 'x/d', port: '80/TCP', allowed: false },
      { from: 'x/a', to: 'x/d', port: '81/TCP', allowed: true },
      { from: 'x/d', to: 'x/a', port: '80/TCP', allowed: true },
      { from: 'x/d', to: 'x/a', port: '81/TCP', allowed: false },
    ],
  },
  {
    name: 'named-port-resolved-on-egress-peer',
    rule: 'For egress a named port resolves on the destination peer: x/a may send to serve-80-tcp, which is 80 on the layout pods but 81 on x/d.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: out-named-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - ports: [{port: serve-80-tcp}]
    `,
    extraObjects: SWAPPED_NAMES_POD,
    reach: { '80/TCP': OPEN, '*': NOTHING_OUT_OF_XA },
    checks: [
      { from: 'x/a', to: 'x/d', port: '81/TCP', allowed: true },
      { from: 'x/a', to: 'x/d', port: '80/TCP', allowed: false },
      { from: 'x/b', to: 'x/d', port: '80/TCP', allowed: true },
    ],
  },
];

/** A connection needs the egress side of its source and the ingress side of its destination. */
const BOTH_DIRECTIONS: readonly ConformanceCase[] = [
  {
    name: 'egress-allowed-ingress-denied',
    rule: 'x/a may send anywhere (egress: [{}]) but y/b admits nothing: x/a to y/b is denied; the rest is open.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: out-anywhere, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress: [{}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-b, namespace: y}
      spec:
        podSelector: {matchLabels: {pod: b}}
        policyTypes: [Ingress]
    `,
    reach: { '*': NOTHING_INTO_YB },
    checks: [{ from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: true }],
  },
  {
    name: 'ingress-allowed-egress-denied',
    rule: 'y/b admits only x/a, but the pods of x may send nothing: x/a to y/b is denied, so nothing reaches y/b.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-x-a, namespace: y}
      spec:
        podSelector: {matchLabels: {pod: b}}
        ingress:
        - from:
          - namespaceSelector: {matchLabels: {ns: x}}
            podSelector: {matchLabels: {pod: a}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-egress, namespace: x}
      spec:
        podSelector: {}
        policyTypes: [Egress]
    `,
    reach: {
      '*': {
        'x/a': '-XX XXX XXX',
        'x/b': 'X-X XXX XXX',
        'x/c': 'XX- XXX XXX',
        'y/a': '... -X. ...',
        'y/b': '... .-. ...',
        'y/c': '... .X- ...',
        'z/a': '... .X. -..',
        'z/b': '... .X. .-.',
        'z/c': '... .X. ..-',
      },
    },
  },
  {
    name: 'egress-and-ingress-both-allow',
    rule: 'x/a may send only to y/b, and y/b admits only x/a: that one connection is allowed.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: to-y-b, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - to:
          - namespaceSelector: {matchLabels: {ns: y}}
            podSelector: {matchLabels: {pod: b}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-x-a, namespace: y}
      spec:
        podSelector: {matchLabels: {pod: b}}
        ingress:
        - from:
          - namespaceSelector: {matchLabels: {ns: x}}
            podSelector: {matchLabels: {pod: a}}
    `,
    reach: {
      '*': {
        'x/a': '-XX X.X XXX',
        'x/b': '.-. .X. ...',
        'x/c': '..- .X. ...',
        'y/a': '... -X. ...',
        'y/b': '... .-. ...',
        'y/c': '... .X- ...',
        'z/a': '... .X. -..',
        'z/b': '... .X. .-.',
        'z/c': '... .X. ..-',
      },
    },
  },
  {
    name: 'egress-and-ingress-allow-different-ports',
    rule: 'x/a may send to y/b on 80/TCP only, y/b admits x/a on 81/TCP only: no port is allowed by both, so x/a never reaches y/b.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: to-y-b-80, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        policyTypes: [Egress]
        egress:
        - to:
          - namespaceSelector: {matchLabels: {ns: y}}
            podSelector: {matchLabels: {pod: b}}
          ports: [{port: 80}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-x-a-81, namespace: y}
      spec:
        podSelector: {matchLabels: {pod: b}}
        ingress:
        - from:
          - namespaceSelector: {matchLabels: {ns: x}}
            podSelector: {matchLabels: {pod: a}}
          ports: [{port: 81}]
    `,
    reach: {
      '*': {
        'x/a': '-XX XXX XXX',
        'x/b': '.-. .X. ...',
        'x/c': '..- .X. ...',
        'y/a': '... -X. ...',
        'y/b': '... .-. ...',
        'y/c': '... .X- ...',
        'z/a': '... .X. -..',
        'z/b': '... .X. .-.',
        'z/c': '... .X. ..-',
      },
    },
  },
];

export const CASES: readonly ConformanceCase[] = [
  ...ISOLATION,
  ...POLICY_TYPES,
  ...PEERS,
  ...SELECTORS,
  ...IP_BLOCKS,
  ...PORTS,
  ...NAMED_PORTS,
  ...BOTH_DIRECTIONS,
];
