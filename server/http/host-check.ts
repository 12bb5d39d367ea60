import { isIP } from 'node:net';

/** `name` or `[v6]`, then an optional port: nothing else may be in a Host header. */
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i;

/** Names the server answers to besides loopback and IP addresses (`name` or `name:port`, comma-separated). */
function configuredHosts(): string[] {
  return (process.env.PALISADE_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Why a request's Host header is not one this server answers to, or undefined when it is. A page
 * on another site that re-points its own name at 127.0.0.1 (DNS rebinding) still sends its own name
 * here, so only these are taken: an IP address (no name to rebind), `localhost`, and the names in
 * `PALISADE_ALLOWED_HOSTS` (a deployment's Service or Ingress names), on any port unless the
 * entry names one (`kubectl port-forward` picks its own).
 */
export function hostProblem(host: string | null): string | undefined {
  if (!host) return 'a Host header is required';
  const match = HOST.exec(host);
  if (!match) return `Host ${JSON.stringify(host.slice(0, 100))} is not a host name`;
  const name = (match[1] ?? '').toLowerCase();
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  if (isIP(bare) !== 0 || name === 'localhost') return undefined;
  const allowed = configuredHosts();
  if (allowed.includes(name) || allowed.includes(host.toLowerCase())) return undefined;
  return `this server does not answer to the name ${JSON.stringify(name)}: add it to PALISADE_ALLOWED_HOSTS`;
}

/** The host and port a Host header names, as an URL gives them (`localhost:3000`, `[::1]:80` as `[::1]`). */
export function hostOf(host: string): URL | undefined {
  try {
    return new URL(`http://${host}`);
  } catch {
    return undefined;
  }
}
