import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { addon } from '../agent/datapath/addon.ts';
import { busySeconds, machineCpu } from './cpu.ts';
import { peerAddress } from './frames.ts';
import { median, medianInterval } from './stats.ts';

/** One run of new TCP connections (connect, request, answer, close) and what the machine spent on it. */
export interface ConnectionSample {
  readonly connections: number;
  readonly seconds: number;
  readonly threads: number;
  /** CPU-seconds the whole machine spent busy meanwhile (user, system, interrupts; not steal). */
  readonly busyCpuSeconds: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly errors: number;
}

/** Per connection: machine CPU-µs and wall µs (each client thread makes one connection at a time). */
export interface PerConnection {
  readonly cpuUs: number;
  readonly wallUs: number;
}

export function perConnection(sample: ConnectionSample): PerConnection {
  const connections = Math.max(sample.connections, 1);
  return {
    cpuUs: (sample.busyCpuSeconds / connections) * 1e6,
    wallUs: ((sample.seconds * sample.threads) / connections) * 1e6,
  };
}

/** How sure the interval of an added median is to hold it: with 7 rounds, their 2nd lowest and 2nd highest. */
const MEDIAN_CONFIDENCE = 0.85;

/** What a path adds per connection, with how far the rounds agree. */
export interface AddedPerConnection extends PerConnection {
  /** Where the median CPU difference lies, from the rounds' differences (stats.ts's medianInterval). */
  readonly cpuUsInterval: { readonly low: number; readonly high: number; readonly confidence: number };
}

/**
 * What a path adds per connection over no program, from rounds that measured both side by side:
 * the median of each round's difference, so that drift of a shared machine between rounds cancels.
 */
export function addedPerConnection(
  rounds: readonly { readonly none: ConnectionSample; readonly path: ConnectionSample }[],
): AddedPerConnection {
  const differences = rounds.map(({ none, path }) => {
    const base = perConnection(none);
    const with_ = perConnection(path);
    return { cpuUs: with_.cpuUs - base.cpuUs, wallUs: with_.wallUs - base.wallUs };
  });
  const cpu = differences.map((difference) => difference.cpuUs);
  return {
    cpuUs: median(cpu),
    wallUs: median(differences.map((difference) => difference.wallUs)),
    cpuUsInterval: medianInterval(cpu, MEDIAN_CONFIDENCE),
  };
}

/** Runs the load tool's client in `netns` for `seconds` and measures the machine meanwhile. */
export function connectionSample(
  load: string,
  netns: string,
  target: { ip: string; port: number },
  seconds: number,
  threads: number,
): ConnectionSample {
  const before = machineCpu();
  const output = execFileSync(
    'nsenter',
    [
      `--net=/run/netns/${netns}`,
      load,
      'crr-client',
      target.ip,
      String(target.port),
      String(seconds),
      String(threads),
    ],
    { encoding: 'utf8' },
  );
  const after = machineCpu();
  const run = JSON.parse(output) as {
    connections: number;
    seconds: number;
    p50_us: number;
    p99_us: number;
    errors: number;
  };
  return {
    connections: run.connections,
    seconds: run.seconds,
    threads,
    busyCpuSeconds: busySeconds(after) - busySeconds(before),
    p50Us: run.p50_us,
    p99Us: run.p99_us,
    errors: run.errors,
  };
}

/**
 * iptables-restore input for a node: nothing, or the classic shape of a pod's ingress policy with
 * `size` entries (a chain per pod, established flows first, one rule per source, then drop); the
 * last source is `client`, so that its connections walk every rule.
 */
export function iptablesRules(size: number, podInterface: string, client: string, port: number): string {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  if (size > 0) {
    lines.push(
      ':PAL-BENCH-SERVER - [0:0]',
      `-A FORWARD -o ${podInterface} -j PAL-BENCH-SERVER`,
      '-A PAL-BENCH-SERVER -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    );
    for (let i = 0; i < size - 1; i++)
      lines.push(`-A PAL-BENCH-SERVER -s ${peerAddress(i)}/32 -p tcp --dport ${port} -j ACCEPT`);
    lines.push(
      `-A PAL-BENCH-SERVER -s ${client}/32 -p tcp --dport ${port} -j ACCEPT`,
      '-A PAL-BENCH-SERVER -j DROP',
    );
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** Replaces the filter table of a network namespace (legacy iptables, the classic kernel path). */
export function restoreIptables(netns: string, rules: string): void {
  execFileSync('ip', ['netns', 'exec', netns, 'iptables-legacy-restore'], {
    input: rules,
    maxBuffer: 1 << 30,
  });
}

const EMPTY_OBJECT = new URL('load/pass.bpf.o', import.meta.url).pathname;
const EMPTY_PIN = '/sys/fs/bpf/palisade-bench-pass';

/**
 * Loads the empty TC program (bench/load/pass.bpf.c: lets every packet through) and pins it;
 * gives its pin and a function that unpins it (the kernel frees it once nothing holds it).
 */
export function loadEmptyProgram(): { pin: string; unload: () => void } {
  rmSync(EMPTY_PIN, { force: true });
  execFileSync('bpftool', ['prog', 'load', EMPTY_OBJECT, EMPTY_PIN, 'type', 'classifier'], { stdio: 'pipe' });
  return { pin: EMPTY_PIN, unload: () => rmSync(EMPTY_PIN, { force: true }) };
}

/**
 * Attaches the pinned program `pin` to both TC hooks of `ifname` in the network namespace at
 * `netnsPath`, with the handle and priority the agent's programs take there, so that detaching a
 * pod (the addon's detachPod) takes it off too.
 */
export function attachBothWays(pin: string, netnsPath: string, ifname: string): void {
  const { tcHandle, tcPriority } = addon().layout();
  for (const hook of ['ingress', 'egress']) {
    execFileSync(
      'nsenter',
      [
        `--net=${netnsPath}`,
        'tc',
        'filter',
        'replace',
        'dev',
        ifname,
        hook,
        'protocol',
        'all',
        'prio',
        String(tcPriority),
        'handle',
        `0x${tcHandle.toString(16)}`,
        'bpf',
        'direct-action',
        'object-pinned',
        pin,
      ],
      { stdio: 'pipe' },
    );
  }
}
