/**
 * A rejected input: names the object (`NetworkPolicy default/web`), the field path
 * (`spec.ingress[0].ports[1].endPort`) and why, like the API server does.
 */
export class FieldError extends Error {
  readonly field: string;
  readonly reason: string;
  object: string | undefined;

  constructor(field: string, reason: string, object?: string) {
    super('');
    this.name = 'FieldError';
    this.field = field;
    this.reason = reason;
    this.object = object;
    this.message = this.describe();
  }

  /** Attaches the object this error belongs to, keeping the first one set. */
  inObject(object: string): this {
    this.object ??= object;
    this.message = this.describe();
    return this;
  }

  private describe(): string {
    const where = this.object ? `${this.object}: ` : '';
    return `${where}${this.field}: ${this.reason}`;
  }
}
