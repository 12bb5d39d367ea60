import { type ConformanceCase, OPEN, type Table, yaml } from './cases.ts';

/**
 * Conformance cases for the cluster tiers (AWS's ClusterNetworkPolicy, after the network-policy-api
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy): Admin rules by priority (Accept and Deny
 * decide, Pass goes on to NetworkPolicy), then NetworkPolicy, then Baseline when no NetworkPolicy
 * isolates the pod. Tables are read as in ./cases.ts and written by hand from those semantics.
 */

/** Nothing reaches a pod of x. */
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

/** The pods of y reach no pod of x; everything else is open. */
const NOTHING_FROM_Y_INTO_X: Table = {
  'x/a': '-.. ... ...',
  'x/b': '.-. ... ...',
  'x/c': '..- ... ...',
  'y/a': 'XXX -.. ...',
  'y/b': 'XXX .-. ...',
  'y/c': 'XXX ..- ...',
  'z/a': '... ... -..',
  'z/b': '... ... .-.',
  'z/c': '... ... ..-',
};

/** Only the pods of y reach the pods of x. */
const ONLY_Y_INTO_X: Table = {
  'x/a': '-XX ... ...',
  'x/b': 'X-X ... ...',
  'x/c': 'XX- ... ...',
  'y/a': '... -.. ...',
  'y/b': '... .-. ...',
  'y/c': '... ..- ...',
  'z/a': 'XXX ... -..',
  'z/b': 'XXX ... .-.',
  'z/c': 'XXX ... ..-',
};

const ADMIN_DENY_FROM_Y = yaml`
  apiVersion: networking.k8s.aws/v1alpha1
  kind: ClusterNetworkPolicy
  metadata: {name: admin-deny-from-y}
  spec:
    tier: Admin
    priority: 10
    subject: {namespaces: {matchLabels: {ns: x}}}
    ingress:
    - name: no-y
      action: Deny
      from: [{namespaces: {matchLabels: {ns: y}}}]
`;

const NP_DENY_ALL_INGRESS_X = yaml`
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: deny-all, namespace: x}
  spec:
    podSelector: {}
    policyTypes: [Ingress]
`;

export const TIER_CASES: readonly ConformanceCase[] = [
  {
    name: 'tier-admin-deny-ingress-from-namespace',
    rule: 'An Admin Deny rule denies what it matches: nothing of y reaches x; other traffic is untouched (no NetworkPolicy isolates anything).',
    policies: ADMIN_DENY_FROM_Y,
    reach: { '*': NOTHING_FROM_Y_INTO_X },
  },
  {
    name: 'tier-admin-deny-overrides-network-policy-allow',
    rule: 'The Admin tier comes before NetworkPolicy: an allow-all ingress NetworkPolicy in x does not let y in past an Admin Deny.',
    policies: `${ADMIN_DENY_FROM_Y}---\n${yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: allow-all, namespace: x}
      spec:
        podSelector: {}
        ingress: [{}]
    `}`,
    reach: { '*': NOTHING_FROM_Y_INTO_X },
  },
  {
    name: 'tier-admin-accept-overrides-network-policy-deny',
    rule: 'An Admin Accept allows without looking further: y reaches x though a deny-all NetworkPolicy isolates x; x and z stay denied by it.',
    policies: `${NP_DENY_ALL_INGRESS_X}---\n${yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: admin-accept-y}
      spec:
        tier: Admin
        priority: 5
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Accept
          from: [{namespaces: {matchLabels: {ns: y}}}]
    `}`,
    reach: { '*': ONLY_Y_INTO_X },
  },
  {
    name: 'tier-admin-pass-defers-to-network-policy',
    rule: 'An Admin Pass skips the rest of the Admin tier (the Deny at a later priority) and lets NetworkPolicy decide: of y only y/a, which the NetworkPolicy allows, reaches x; x and z meet the Admin Deny.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: pass-y}
      spec:
        tier: Admin
        priority: 5
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Pass
          from: [{namespaces: {matchLabels: {ns: y}}}]
      ---
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: deny-everyone}
      spec:
        tier: Admin
        priority: 10
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: from-y-a, namespace: x}
      spec:
        podSelector: {}
        ingress:
        - from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: a}}}]
    `,
    reach: {
      '*': {
        'x/a': '-XX ... ...',
        'x/b': 'X-X ... ...',
        'x/c': 'XX- ... ...',
        'y/a': '... -.. ...',
        'y/b': 'XXX .-. ...',
        'y/c': 'XXX ..- ...',
        'z/a': 'XXX ... -..',
        'z/b': 'XXX ... .-.',
        'z/c': 'XXX ... ..-',
      },
    },
  },
  {
    name: 'tier-admin-lower-priority-number-wins',
    rule: 'Within the Admin tier the lower priority number is evaluated first: the Accept for y/b at priority 5 wins over the Deny for all of y at priority 10.',
    policies: `${ADMIN_DENY_FROM_Y}---\n${yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: accept-y-b}
      spec:
        tier: Admin
        priority: 5
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Accept
          from: [{pods: {namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}}]
    `}`,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': 'XXX -.. ...',
        'y/b': '... .-. ...',
        'y/c': 'XXX ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'tier-same-priority-deny-wins',
    rule: 'Rules of equal priority match as a set (AWS’s ClusterPolicyEndpoints keep no rule order), and Deny wins over Accept: y/a is denied though an Accept for all of y comes first.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: mixed}
      spec:
        tier: Admin
        priority: 10
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Accept
          from: [{namespaces: {matchLabels: {ns: y}}}]
        - action: Deny
          from: [{pods: {namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: a}}}}]
    `,
    reach: {
      '*': {
        'x/a': '-.. ... ...',
        'x/b': '.-. ... ...',
        'x/c': '..- ... ...',
        'y/a': 'XXX -.. ...',
        'y/b': '... .-. ...',
        'y/c': '... ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'tier-baseline-deny-when-not-isolated',
    rule: 'A Baseline Deny applies to pods no NetworkPolicy isolates: nothing reaches x.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: baseline-deny}
      spec:
        tier: Baseline
        priority: 10
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
    `,
    reach: { '*': NOTHING_INTO_X },
  },
  {
    name: 'tier-baseline-yields-to-network-policy',
    rule: 'Baseline comes after NetworkPolicy: x/a, which a NetworkPolicy isolates, is reached by what that policy allows (y); x/b and x/c, which none isolates, meet the Baseline Deny.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: baseline-deny}
      spec:
        tier: Baseline
        priority: 10
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: a-from-y, namespace: x}
      spec:
        podSelector: {matchLabels: {pod: a}}
        ingress:
        - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
    `,
    reach: {
      '*': {
        'x/a': '-XX ... ...',
        'x/b': 'X-X ... ...',
        'x/c': 'XX- ... ...',
        'y/a': '.XX -.. ...',
        'y/b': '.XX .-. ...',
        'y/c': '.XX ..- ...',
        'z/a': 'XXX ... -..',
        'z/b': 'XXX ... .-.',
        'z/c': 'XXX ... ..-',
      },
    },
  },
  {
    name: 'tier-baseline-accept-and-pass-before-deny',
    rule: 'Within Baseline the lower priority number goes first: an Accept for y and a Pass for z (on to the default, allow) at priority 5 come before the Deny for all at 10, which leaves x itself denied.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: baseline-open-y-z}
      spec:
        tier: Baseline
        priority: 5
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Accept
          from: [{namespaces: {matchLabels: {ns: y}}}]
        - action: Pass
          from: [{namespaces: {matchLabels: {ns: z}}}]
      ---
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: baseline-deny}
      spec:
        tier: Baseline
        priority: 10
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
    `,
    reach: {
      '*': {
        'x/a': '-XX ... ...',
        'x/b': 'X-X ... ...',
        'x/c': 'XX- ... ...',
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
    name: 'tier-admin-pass-reaches-baseline',
    rule: 'An Admin Pass with no NetworkPolicy isolating the pod goes on to Baseline: y meets the Baseline Deny, z is accepted by the Admin tier, x meets the Baseline Deny.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: admin-pass-y-accept-z}
      spec:
        tier: Admin
        priority: 1
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Pass
          from: [{namespaces: {matchLabels: {ns: y}}}]
        - action: Accept
          from: [{namespaces: {matchLabels: {ns: z}}}]
      ---
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: baseline-deny}
      spec:
        tier: Baseline
        priority: 1
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
    `,
    reach: {
      '*': {
        'x/a': '-XX ... ...',
        'x/b': 'X-X ... ...',
        'x/c': 'XX- ... ...',
        'y/a': 'XXX -.. ...',
        'y/b': 'XXX .-. ...',
        'y/c': 'XXX ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
  },
  {
    name: 'tier-admin-egress-deny-networks',
    rule: 'An egress Deny to networks matches every address in the CIDRs, pods included: x reaches no pod of y (10.77.20.0/24) but still an outside address.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: x-not-to-y}
      spec:
        tier: Admin
        priority: 3
        subject: {namespaces: {matchLabels: {ns: x}}}
        egress:
        - action: Deny
          to: [{networks: [10.77.20.0/24]}]
    `,
    reach: {
      '*': {
        'x/a': '-.. XXX ...',
        'x/b': '.-. XXX ...',
        'x/c': '..- XXX ...',
        'y/a': '... -.. ...',
        'y/b': '... .-. ...',
        'y/c': '... ..- ...',
        'z/a': '... ... -..',
        'z/b': '... ... .-.',
        'z/c': '... ... ..-',
      },
    },
    checks: [
      { from: 'x/a', to: '192.0.2.10', port: '80/TCP', allowed: true },
      { from: 'x/a', to: '10.77.20.99', port: '80/TCP', allowed: false },
    ],
  },
  {
    name: 'tier-admin-egress-accept-overrides-network-policy-deny',
    rule: 'An egress Admin Accept to the namespaces of z lets x reach z through a deny-all egress NetworkPolicy; x to x and to y stay denied.',
    policies: yaml`
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: deny-egress, namespace: x}
      spec:
        podSelector: {}
        policyTypes: [Egress]
      ---
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: x-to-z}
      spec:
        tier: Admin
        priority: 3
        subject: {namespaces: {matchLabels: {ns: x}}}
        egress:
        - action: Accept
          to: [{namespaces: {matchLabels: {ns: z}}}]
    `,
    reach: {
      '*': {
        'x/a': '-XX XXX ...',
        'x/b': 'X-X XXX ...',
        'x/c': 'XX- XXX ...',
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
    name: 'tier-port-number',
    rule: 'A rule with portNumber 80/TCP matches only that port and protocol: x is closed on 80/TCP and open on the rest.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: no-80}
      spec:
        tier: Admin
        priority: 3
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports: [{portNumber: {protocol: TCP, port: 80}}]
    `,
    reach: { '80/TCP': NOTHING_INTO_X, '*': OPEN },
  },
  {
    name: 'tier-port-range',
    rule: 'A portRange 80-81/UDP matches both UDP ports and no TCP port.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: no-udp}
      spec:
        tier: Admin
        priority: 3
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports: [{portRange: {protocol: UDP, start: 80, end: 81}}]
    `,
    reach: { '80/UDP': NOTHING_INTO_X, '81/UDP': NOTHING_INTO_X, '*': OPEN },
  },
  {
    name: 'tier-named-port',
    rule: 'A namedPort matches the destination’s container port of that name, with its number and protocol: serve-81-tcp is 81/TCP.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: no-81-tcp}
      spec:
        tier: Admin
        priority: 3
        subject: {namespaces: {matchLabels: {ns: x}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
          ports: [{namedPort: serve-81-tcp}]
    `,
    reach: { '81/TCP': NOTHING_INTO_X, '*': OPEN },
  },
  {
    name: 'tier-subject-pods',
    rule: 'A subject of pods selects by namespace and pod labels together: only y/b is closed.',
    policies: yaml`
      apiVersion: networking.k8s.aws/v1alpha1
      kind: ClusterNetworkPolicy
      metadata: {name: close-y-b}
      spec:
        tier: Baseline
        priority: 0
        subject: {pods: {namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}}
        ingress:
        - action: Deny
          from: [{namespaces: {}}]
    `,
    reach: {
      '*': {
        'x/a': '-.. .X. ...',
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
