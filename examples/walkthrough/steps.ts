/**
 * The article's walkthrough as data: after each policy is applied, the connections it tests and
 * the outcome the article reports. `curl demo-app` and DNS go through the demo-app and kube-dns
 * Services' ClusterIPs, as in EKS. The model test, the lab test and the dashboard test all walk it.
 */

export interface WalkthroughCheck {
  readonly from: string;
  /** The pod that answers (the Service's backend when the check goes through one). */
  readonly to: string;
  /** `ns/name` of the Service whose ClusterIP the command connects to, as in EKS; none for a pod addressed by its own name. */
  readonly service?: string;
  /** The port connected to: the service port when through a Service. */
  readonly port: string;
  readonly allowed: boolean;
  /** The command of the article this check stands for. */
  readonly command: string;
}

export interface WalkthroughStep {
  readonly title: string;
  /** The policy file under `policies/` applied at this step; none for the starting point. */
  readonly policy?: string;
  readonly checks: readonly WalkthroughCheck[];
}

const curl = (allowed: boolean): WalkthroughCheck => ({
  from: 'default/client-one',
  to: 'default/demo-app',
  service: 'default/demo-app',
  port: '80/TCP',
  allowed,
  command: 'curl --max-time 3 demo-app',
});
const curlFromAnotherNs = (allowed: boolean): WalkthroughCheck => ({
  from: 'another-ns/another-client-one',
  to: 'default/demo-app',
  service: 'default/demo-app',
  port: '80/TCP',
  allowed,
  command: 'curl --max-time 3 demo-app.default',
});
const nslookup = (allowed: boolean): WalkthroughCheck => ({
  from: 'default/client-one',
  to: 'kube-system/coredns',
  service: 'kube-system/kube-dns',
  port: '53/UDP',
  allowed,
  command: 'nslookup demo-app',
});

export const WALKTHROUGH: readonly WalkthroughStep[] = [
  {
    title: 'No policy: every pod reaches every pod',
    checks: [curl(true), curlFromAnotherNs(true), nslookup(true)],
  },
  {
    title: 'Deny all ingress to demo-app',
    policy: '01-deny-all-ingress.yaml',
    checks: [curl(false), curlFromAnotherNs(false), nslookup(true)],
  },
  {
    title: 'Allow ingress from client-one in the same namespace',
    policy: '03-allow-ingress-from-samens-client-one.yaml',
    checks: [curl(true), curlFromAnotherNs(false)],
  },
  {
    title: 'Allow ingress from the another-ns namespace',
    policy: '04-allow-ingress-from-xns.yaml',
    checks: [curl(true), curlFromAnotherNs(true)],
  },
  {
    title: 'Deny all egress from client-one',
    policy: '06-deny-egress-from-client-one.yaml',
    checks: [nslookup(false), curl(false), curlFromAnotherNs(true)],
  },
  {
    title: 'Allow client-one egress to DNS and demo-app',
    policy: '08-allow-egress-to-demo-app.yaml',
    checks: [
      nslookup(true),
      curl(true),
      {
        from: 'default/client-one',
        to: 'another-ns/another-client-one',
        port: '80/TCP',
        allowed: false,
        command: 'curl --max-time 3 another-client-one.another-ns',
      },
    ],
  },
];
