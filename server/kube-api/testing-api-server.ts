import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '../..');
const KUBE_VERSION = process.env.KUBE_VERSION ?? 'v1.37.2';
const BIN = join(ROOT, '.palisade/kube', KUBE_VERSION, 'bin');

/** The admin's static token; its user is in `system:masters`. */
const ADMIN_TOKEN = 'palisade-test-admin';

/**
 * A real etcd, kube-apiserver and kube-controller-manager (garbage collector, service accounts,
 * namespaces) on loopback ports, for the tests of Kubernetes mode. The binaries come from
 * `scripts/build-kube.sh`; without them the test fails and says how to build them.
 */
export class TestingApiServer {
  readonly dir: string;
  /** A kubeconfig for the admin. */
  readonly kubeconfig: string;
  url = '';
  private etcdPort = 0;
  private etcd?: ChildProcess;
  private apiserver?: ChildProcess;
  private controllerManager?: ChildProcess;

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'palisade-kube-'));
    this.kubeconfig = join(this.dir, 'kubeconfig');
  }

  static async start(): Promise<TestingApiServer> {
    for (const binary of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl']) {
      if (!existsSync(join(BIN, binary))) {
        throw new Error(
          `${join(BIN, binary)} is missing: run \`bash scripts/build-kube.sh\` (needs Go and the Go module proxy)`,
        );
      }
    }
    const server = new TestingApiServer();
    try {
      await server.boot();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private async boot(): Promise<void> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(this.dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(join(this.dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(
      join(this.dir, 'tokens.csv'),
      `${ADMIN_TOKEN},palisade-admin,palisade-admin,system:masters\n`,
    );
    const [etcdPort, peerPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    this.etcdPort = etcdPort;
    this.url = `https://127.0.0.1:${apiPort}`;
    this.writeKubeconfig(this.kubeconfig, this.url);
    this.etcd = this.spawn('etcd', [
      `--data-dir=${join(this.dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
    ]);
    await this.startApiServer();
    this.controllerManager = this.spawn('kube-controller-manager', [
      `--kubeconfig=${this.kubeconfig}`,
      '--controllers=garbage-collector-controller,serviceaccount-controller,namespace-controller',
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
    ]);
  }

  /** Starts the API server (again) on the same port and etcd. */
  async startApiServer(): Promise<void> {
    this.apiserver = await this.apiServerOn(this.url, this.kubeconfig);
  }

  /**
   * A second API server on the same etcd, for changing the cluster while the first is down.
   * Returns its kubeconfig and a function that stops it.
   */
  async spareApiServer(): Promise<{ kubeconfig: string; stop: () => Promise<void> }> {
    const url = `https://127.0.0.1:${await freePort()}`;
    const kubeconfig = join(this.dir, 'kubeconfig-spare');
    this.writeKubeconfig(kubeconfig, url);
    const child = await this.apiServerOn(url, kubeconfig);
    return { kubeconfig, stop: () => stopProcess(child) };
  }

  private async apiServerOn(url: string, kubeconfig: string): Promise<ChildProcess> {
    const child = this.spawn('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${this.etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${new URL(url).port}`,
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--cert-dir=${join(this.dir, 'certs')}`,
      `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(this.dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // As kubeadm and managed clusters do: the agent's DaemonSet needs privileged containers.
      '--allow-privileged=true',
    ]);
    await waitReady(child, kubeconfig, join(this.dir, 'kube-apiserver.log'));
    return child;
  }

  /** The process ids of etcd, the API server and the controller manager, for measuring what they use. */
  pids(): { etcd: number; apiserver: number; controllerManager: number } {
    return {
      etcd: this.etcd?.pid ?? 0,
      apiserver: this.apiserver?.pid ?? 0,
      controllerManager: this.controllerManager?.pid ?? 0,
    };
  }

  /** Stops the API server (etcd keeps the data); watches on it end. */
  async stopApiServer(): Promise<void> {
    await stopProcess(this.apiserver);
    this.apiserver = undefined;
  }

  async stop(): Promise<void> {
    await Promise.all([stopProcess(this.controllerManager), stopProcess(this.apiserver)]);
    await stopProcess(this.etcd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A ServiceAccount `name` in `namespace` that may change NetworkPolicies there and nowhere else; returns a token of it. */
  async policyEditorToken(namespace: string, name: string): Promise<string> {
    await this.kubectl(['create', 'serviceaccount', name, '-n', namespace]);
    await this.kubectl([
      'create',
      'role',
      `${name}-policy-editor`,
      '-n',
      namespace,
      '--verb=get,list,watch,create,patch,update,delete',
      '--resource=networkpolicies.networking.k8s.io',
    ]);
    await this.kubectl([
      'create',
      'rolebinding',
      `${name}-policy-editor`,
      '-n',
      namespace,
      `--role=${name}-policy-editor`,
      `--serviceaccount=${namespace}:${name}`,
    ]);
    return (await this.kubectl(['create', 'token', name, '-n', namespace])).trim();
  }

  /**
   * A token of the agents' ServiceAccount (`palisade-system:palisade-agent`, which must exist) for
   * the ingest's audience; with `node`, bound to a pod on that node, as the DaemonSet's projected
   * tokens are (the pod, `palisade-agent-NODE`, is made here), so that it names its node.
   */
  async agentToken(node?: string): Promise<string> {
    const bound: string[] = [];
    if (node) {
      const pod = `palisade-agent-${node}`;
      const spec = {
        nodeName: node,
        serviceAccountName: 'palisade-agent',
        automountServiceAccountToken: false,
      };
      await this.kubectl([
        'run',
        pod,
        '-n',
        'palisade-system',
        '--image=palisade',
        '--restart=Never',
        `--overrides=${JSON.stringify({ spec })}`,
      ]);
      bound.push('--bound-object-kind', 'Pod', '--bound-object-name', pod);
    }
    const args = [
      'create',
      'token',
      'palisade-agent',
      '-n',
      'palisade-system',
      '--audience',
      'palisade-ingest',
    ];
    return (await this.kubectl([...args, ...bound])).trim();
  }

  /** Applies Palisade's CRDs of these names (`policyendpoints`…, from deploy/crd), then waits until each is served. */
  async installCrds(names: readonly string[]): Promise<void> {
    for (const name of names) await this.kubectl(['apply', '-f', join(ROOT, 'deploy/crd', `${name}.yaml`)]);
    for (const name of names) await this.crdEstablished(name);
  }

  /**
   * Waits until the API server serves a CRD of Palisade's (`policyendpoints`…). Just after it is
   * created a CRD may have no conditions yet, and `kubectl wait` then fails instead of waiting.
   */
  async crdEstablished(name: string): Promise<void> {
    const crd = `crd/${name}.networking.k8s.aws`;
    const established = ['-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'];
    for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
      if ((await this.kubectl(['get', crd, ...established])).trim() === 'True') return;
      if (Date.now() > deadline) throw new Error(`${crd} is not Established after 60 s`);
    }
  }

  /** Runs kubectl as the admin; resolves with its output, rejects with its stderr. */
  kubectl(args: readonly string[], input?: string): Promise<string> {
    return runKubectl(['--kubeconfig', this.kubeconfig, ...args], input);
  }

  private spawn(binary: string, args: string[]): ChildProcess {
    const log = openSync(join(this.dir, `${binary}.log`), 'a');
    const child = spawn(join(BIN, binary), args, { stdio: ['ignore', log, log] });
    child.unref();
    return child;
  }

  /** A kubeconfig for `user` (a token) against the API server at `url` (the admin by default). */
  writeKubeconfig(path: string, url = this.url, token = ADMIN_TOKEN): void {
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'user', user: { token } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'user' } }],
        'current-context': 'test',
      }),
    );
  }
}

async function waitReady(child: ChildProcess, kubeconfig: string, log: string): Promise<void> {
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      await runKubectl(['--kubeconfig', kubeconfig, 'get', '--raw=/readyz']);
      return;
    } catch (error) {
      if (child.exitCode !== null) throw new Error(`kube-apiserver exited (see ${log})`);
      if (Date.now() > deadline) throw new Error(`kube-apiserver not ready after 60s: ${error}`);
    }
    await sleep(200);
  }
}

/** Runs the kubectl this repository builds. */
export function runKubectl(args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(BIN, 'kubectl'), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise(out) : reject(new Error(`kubectl ${args.join(' ')}: ${err.trim()}`)),
    );
    child.stdin.end(input ?? '');
  });
}

async function stopProcess(child?: ChildProcess): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
