import { hostOf } from './host-check.ts';

/**
 * Why a request that changes or computes something must not be taken as coming from this server's
 * own pages, or undefined. Browsers say where a request comes from: `Sec-Fetch-Site` must be
 * `same-origin` (or `none`: typed by the user), and `Origin`, when sent, must be this server (the
 * host and port the Host header names). A browser sends one of them with every POST and DELETE, so
 * when the credential is one a browser adds by itself (the session cookie), one is required:
 * `requireBrowserProof`.
 */
export function crossOriginProblem(headers: Headers, requireBrowserProof: boolean): string | undefined {
  const site = headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none')
    return `a ${site} request may not do this: only this server's own pages may`;
  const origin = headers.get('origin');
  if (origin === null) {
    return requireBrowserProof && site === null
      ? 'a request with the session cookie must say where it comes from (Origin)'
      : undefined;
  }
  return sameServer(origin, headers.get('host'))
    ? undefined
    : `Origin ${JSON.stringify(origin.slice(0, 100))} is not this server`;
}

/** Whether `origin` (`scheme://host[:port]`) is the server the Host header names. */
function sameServer(origin: string, host: string | null): boolean {
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return false;
  }
  const self = hostOf(host ?? '');
  if (!self || !['http:', 'https:'].includes(from.protocol) || from.origin !== origin.toLowerCase())
    return false;
  // Without a port in Host the scheme's own is meant (80 or 443: the origin names none either).
  const port = from.port || (from.protocol === 'https:' ? '443' : '80');
  return from.hostname === self.hostname && (self.port === '' ? from.port === '' : self.port === port);
}
