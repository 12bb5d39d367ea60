import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

/**
 * Sends real packets from inside a pod's namespace: a TCP connect, or a UDP datagram awaiting
 * its echo. Takes a JSON list of targets on argv and prints one JSON result per target, in order.
 *
 * Usage: probe.ts '[{"host":"10.77.1.10","port":80,"protocol":"TCP"}]' [timeoutMs]
 */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  /** UDP: bytes of the datagram (default 14); past the link's MTU it goes as IPv4 fragments. */
  readonly size?: number;
}

export interface ProbeResult {
  readonly connected: boolean;
  readonly ms: number;
}

function probe(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const start = performance.now();
  const done = (connected: boolean): ProbeResult => ({
    connected,
    ms: Math.round((performance.now() - start) * 10) / 10,
  });
  return new Promise((resolve) => {
    if (target.protocol === 'TCP') {
      const socket = connect({ host: target.host, port: target.port });
      const finish = (connected: boolean) => {
        socket.destroy();
        resolve(done(connected));
      };
      socket.setTimeout(timeoutMs, () => finish(false));
      socket.once('connect', () => finish(true));
      socket.once('error', () => finish(false));
    } else if (target.protocol === 'UDP') {
      const socket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (connected: boolean) => {
        clearTimeout(timer);
        socket.close();
        resolve(done(connected));
      };
      socket.once('message', () => finish(true));
      socket.once('error', () => finish(false));
      const payload = target.size ? Buffer.alloc(target.size, 'p') : Buffer.from('palisade-probe');
      socket.send(payload, target.port, target.host);
    } else {
      // Node has no SCTP sockets; report it as not connected rather than guess.
      resolve(done(false));
    }
  });
}

const [targets = '[]', timeout = '1000'] = process.argv.slice(2);
const results = await Promise.all(
  (JSON.parse(targets) as ProbeTarget[]).map((target) => probe(target, Number(timeout))),
);
process.stdout.write(`${results.map((result) => JSON.stringify(result)).join('\n')}\n`);
