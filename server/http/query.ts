import { FieldError } from '../kube/field-error.ts';
import { dnsLabelProblem, objectKeyProblem } from '../kube/names.ts';

/** The longest text a query parameter may hold (an `ns/name` key is at most 63 + 1 + 253). */
const MAX_TEXT = 512;

/**
 * Readers of URL query parameters, each failing with the parameter's name (a 400): the schema of a
 * route's query is a few calls of these.
 */
export function queryOf(params: URLSearchParams) {
  // An empty parameter (`?namespace=`, as a form sends an empty field) is as if it were not there.
  const text = (name: string): string | undefined => {
    const value = params.get(name);
    if (value !== null && value.length > MAX_TEXT)
      throw new FieldError(name, `must be at most ${MAX_TEXT} characters`);
    return value || undefined;
  };
  return {
    text,
    /** An object's `ns/name` (a pod, a Service), as Kubernetes allows the two parts. */
    key(name: string): string | undefined {
      const value = text(name);
      const problem = value === undefined ? undefined : objectKeyProblem(value);
      if (problem) throw new FieldError(name, problem);
      return value;
    },
    /** A namespace's name. */
    namespace(name: string): string | undefined {
      const value = text(name);
      const problem = value === undefined ? undefined : dnsLabelProblem(value);
      if (problem) throw new FieldError(name, `namespace ${problem}`);
      return value;
    },
    /** A text that must be there. */
    required(name: string, what: string): string {
      const value = text(name);
      if (!value) throw new FieldError(name, `is required (${what})`);
      return value;
    },
    choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
      const value = text(name);
      if (value === undefined) return undefined;
      if (!(allowed as readonly string[]).includes(value))
        throw new FieldError(name, `must be one of ${allowed.join(', ')}`);
      return value as T;
    },
    /** A decimal number from `min` to `max` (`integer`: whole). */
    number(name: string, min: number, max: number, integer = false): number | undefined {
      const value = text(name);
      if (value === undefined) return undefined;
      const parsed = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
      if (!(parsed >= min && parsed <= max) || (integer && !Number.isInteger(parsed)))
        throw new FieldError(
          name,
          `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`,
        );
      return parsed;
    },
  };
}
