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

/**
 * Asks the API server who `token` belongs to; throws AccessError (401) when it is not valid (for
 * one of `audiences`, when given).
 */
export async function reviewToken(
  config: KubeConfig,
  token: string,
  audiences?: readonly string[],
): Promise<KubeUser> {
  const review = await rawRequest<{
    status?: { authenticated?: boolean; error?: string; user?: Partial<KubeUser> & { username?: string } };
  }>(config, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    contentType: 'application/json',
    data: JSON.stringify({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, audiences },
    }),
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
