/**
 * A request turned away before it reached the cluster: the HTTP status, and the part of the request
 * at fault (`host`, `origin`, `content-type`, `authorization`, `body`, a query parameter or a field).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly field: string | undefined;

  constructor(status: number, message: string, field?: string) {
    super(message);
    this.status = status;
    this.field = field;
  }
}
