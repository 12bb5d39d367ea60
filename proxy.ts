import { type NextRequest, NextResponse } from 'next/server';
import { ensureApiToken, sameSecret } from './server/http/api-token.ts';
import { SESSION_COOKIE } from './server/http/credential.ts';
import { hostProblem } from './server/http/host-check.ts';
import { isKubernetesMode } from './server/sources/cluster-mode.ts';

/** Pages may not be framed by another site, nor leak their address (it may carry the token). */
const PAGE_HEADERS = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * Runs before every page (the API's routes guard themselves, see server/http/route.ts). The Host
 * must be one of this server's names, or the page is refused (DNS rebinding). In the lab, a link
 * that carries the API token (`/?token=…`, as `npm start` prints it) signs this browser in: the
 * token becomes a cookie that scripts cannot read (HttpOnly) and that no other site's request
 * carries (SameSite=Strict), and the address is given back without it.
 */
export function proxy(request: NextRequest): Response {
  const host = hostProblem(request.headers.get('host'));
  if (host) return Response.json({ error: host, field: 'host' }, { status: 421 });
  const token = request.nextUrl.searchParams.get('token');
  if (token === null) return withPageHeaders(NextResponse.next());
  const clean = request.nextUrl.clone();
  clean.searchParams.delete('token');
  const response = withPageHeaders(NextResponse.redirect(clean, 303));
  if (!isKubernetesMode() && sameSecret(token, labToken())) {
    response.cookies.set(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: request.nextUrl.protocol === 'https:',
    });
  }
  return response;
}

function withPageHeaders(response: NextResponse): NextResponse {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) response.headers.set(name, value);
  return response;
}

/** The lab's API token, or none when it cannot be read (then no link signs in; writes say why). */
function labToken(): string {
  try {
    return ensureApiToken();
  } catch {
    return '';
  }
}

export const config = {
  matcher: ['/((?!api/|_next/static/|_next/image|healthz|metrics|favicon.ico).*)'],
};
