/** The cookie that carries the lab's API token for the browser (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'palisade-session';

/** What a request offers as its credential: a bearer token, or the browser's session cookie. */
export interface Credential {
  readonly bearer?: string;
  readonly session?: string;
}

/** The request's credential, as sent; whether it is good is the cluster source's to say. */
export function credentialOf(headers: Headers): Credential {
  const bearer = /^Bearer +(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1];
  const session = (headers.get('cookie') ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${SESSION_COOKIE}=`))
    ?.slice(SESSION_COOKIE.length + 1);
  return { ...(bearer ? { bearer } : {}), ...(session ? { session } : {}) };
}
