import type { KubeConfig } from '@kubernetes/client-node';
import { rawRequest } from './raw-request.ts';

/** Who a bearer token belongs to, as the API server's TokenReview says. */
export interface KubeUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** A token the API server does not accept, or a caller it does not allow. */
export class AccessError extends Error {
  override name = 'AccessError';
  readonly status: 401 | 403;
  constructor(status: 401 | 403, message: string) {
    super(message);
    this.status = status;
  }
}

/** Asks the API server who `token` belongs to; throws AccessError (401) when it is not valid. */
export async function reviewToken(config: KubeConfig, token: string): Promise<KubeUser> {
  const review = await rawRequest<{
    status?: { authenticated?: boolean; error?: string; user?: Partial<KubeUser> & { username?: string } };
  }>(config, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    contentType: 'application/json',
    data: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
  });
  const user = review.status?.user;
  if (!review.status?.authenticated || !user?.username) {
    throw new AccessError(
      401,
      `the token was not accepted by the API server${review.status?.error ? `: ${review.status.error}` : ''}`,
    );
  }
  return { username: user.username, uid: user.uid, groups: user.groups ?? [], extra: user.extra ?? {} };
}

/** What a caller wants to do, in the terms of RBAC. */
export interface ResourceAction {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** Whether the API server's authorizer lets `user` do `action` (a SubjectAccessReview). */
export async function mayDo(config: KubeConfig, user: KubeUser, action: ResourceAction): Promise<boolean> {
  const review = await rawRequest<{ status?: { allowed?: boolean } }>(
    config,
    'POST',
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    {
      contentType: 'application/json',
      data: JSON.stringify({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          uid: user.uid,
          groups: user.groups,
          extra: user.extra,
          resourceAttributes: action,
        },
      }),
    },
  );
  return review.status?.allowed === true;
}

/** Headers that make a request act as `user` (the server's own account needs `impersonate`). */
export function impersonating(user: KubeUser): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { 'Impersonate-User': user.username };
  if (user.uid) headers['Impersonate-Uid'] = user.uid;
  if (user.groups.length > 0) headers['Impersonate-Group'] = [...user.groups];
  for (const [key, values] of Object.entries(user.extra)) {
    headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = [...values];
  }
  return headers;
}
