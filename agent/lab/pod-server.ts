import { createSocket } from 'node:dgram';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { answerQuery } from './dns.ts';

/**
 * What a lab pod runs, inside its network namespace: each container port it declares, TCP as a
 * small web server (what `curl` expects) that echoes anything else, UDP as an echo, and with
 * `--dns FILE` port 53/UDP also as the lab's DNS (FILE maps names to addresses).
 *
 * Usage: pod-server.ts --pod ns/name [--dns names.json] PORT/PROTO…
 */
const args = process.argv.slice(2);
const take = (flag: string) => {
  const index = args.indexOf(flag);
  return index >= 0 ? args.splice(index, 2)[1] : undefined;
};
const pod = take('--pod') ?? 'unknown';
const dnsFile = take('--dns');
/** The lab's names, read again whenever the file changes (Services come and go). */
let names: Record<string, string[]> = {};
let namesStamp = '';
function lookup(name: string): string[] | undefined {
  if (!dnsFile) return undefined;
  try {
    const stat = statSync(dnsFile);
    const stamp = `${stat.mtimeMs}:${stat.ino}`;
    if (stamp !== namesStamp) {
      names = JSON.parse(readFileSync(dnsFile, 'utf8'));
      namesStamp = stamp;
    }
  } catch {
    // Not written yet: the names read last stay.
  }
  return Object.hasOwn(names, name) ? names[name] : undefined;
}

/**
 * Dual-stack sockets (`::` takes IPv4 too) where the pod has IPv6, IPv4 ones where its IPv6 is
 * turned off (an IPv4 lab).
 */
const dualStack = Object.values(networkInterfaces())
  .flat()
  .some((address) => address?.family === 'IPv6' && !address.internal);

for (const spec of args) {
  const [port, protocol] = spec.split('/');
  if (protocol === 'TCP') {
    createServer((socket) => {
      socket.once('data', (data) => {
        if (/^(GET|HEAD) /.test(data.toString('latin1', 0, 5))) {
          const body = `<!DOCTYPE html><html><body><h1>Welcome to ${pod}</h1><p>Served in the Palisade lab.</p></body></html>\n`;
          socket.end(
            `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          );
        } else {
          socket.write(data);
          socket.pipe(socket);
        }
      });
      socket.on('error', () => socket.destroy());
    }).listen(Number(port), dualStack ? '::' : '0.0.0.0');
  } else if (protocol === 'UDP') {
    const socket = createSocket(dualStack ? 'udp6' : 'udp4');
    socket.on('message', (message, peer) => {
      // The DNS port answers queries, and echoes anything else as every UDP port does (lab probes).
      const answer = dnsFile && port === '53' ? answerQuery(message, lookup) : undefined;
      socket.send(answer ?? message, peer.port, peer.address);
    });
    socket.bind(Number(port), dualStack ? '::' : '0.0.0.0');
  }
}
process.stdout.write(`${pod} serving ${args.join(' ')}\n`);
