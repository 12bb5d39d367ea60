/**
 * The user's Kubernetes bearer token for writes in Kubernetes mode, kept for this browser tab only
 * (sessionStorage), so that the editor and the policy list share it.
 */
const KEY = 'palisade-kube-token';

export const readKubeToken = () => sessionStorage.getItem(KEY) ?? '';

export function saveKubeToken(token: string): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

/** Headers carrying the token, when there is one. */
export function withKubeToken(headers: Record<string, string> = {}): Record<string, string> {
  const token = readKubeToken();
  return token ? { ...headers, authorization: `Bearer ${token}` } : headers;
}
