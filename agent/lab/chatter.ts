import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * Both ends of a long-lived TCP connection for the lab's tests, run inside a pod's namespace.
 * It prints `listening` or `connected` once ready, then the total bytes it has received, one line
 * per arrival; with `--every MS` it sends a byte that often, and it sends each line it reads on stdin.
 *
 * Usage: chatter.ts serve PORT [--every MS] | chatter.ts connect HOST PORT [--every MS] [--local-port N]
 */
const [mode, ...rest] = process.argv.slice(2);
const option = (name: string) => {
  const at = rest.indexOf(name);
  return at < 0 ? undefined : Number(rest[at + 1]);
};
const every = option('--every');

function talk(socket: Socket): void {
  let received = 0;
  socket.on('data', (chunk) => {
    received += chunk.length;
    process.stdout.write(`${received}\n`);
  });
  socket.on('error', () => {});
  if (every) {
    const timer = setInterval(() => socket.write('x'), every);
    socket.on('close', () => clearInterval(timer));
  }
  createInterface({ input: process.stdin }).on('line', (line) => socket.write(line));
}

if (mode === 'serve') {
  createServer(talk).listen(Number(rest[0]), () => process.stdout.write('listening\n'));
} else if (mode === 'connect') {
  const socket = tcpConnect({ host: rest[0], port: Number(rest[1]), localPort: option('--local-port') });
  socket.on('connect', () => {
    process.stdout.write('connected\n');
    talk(socket);
  });
  socket.on('error', (error) => {
    process.stdout.write(`error ${error.message}\n`);
  });
} else {
  process.stderr.write(
    'usage: chatter.ts serve PORT [--every MS] | connect HOST PORT [--every MS] [--local-port N]\n',
  );
  process.exit(2);
}
