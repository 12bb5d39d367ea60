import { FieldError } from './field-error.ts';

/** Small readers that turn untyped YAML/JSON into typed values, failing with the field path. */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object(value: unknown, path: string): Json {
  if (!isObject(value)) throw new FieldError(path, `must be an object, got ${quoted(value)}`);
  return value;
}

export function optionalObject(value: unknown, path: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, path);
}

export function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new FieldError(path, `must be a string, got ${quoted(value)}`);
  return value;
}

export function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, path);
}

export function integer(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FieldError(path, `must be an integer, got ${quoted(value)}`);
  }
  return value;
}

export function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(path, `must be a list, got ${quoted(value)}`);
  return value;
}

/** A map of string to string, as labels are. */
export function stringMap(value: unknown, path: string): Record<string, string> {
  // Built as own properties: an assignment to a key such as `__proto__` would be lost, and the
  // key's check with it.
  return Object.fromEntries(
    Object.entries(optionalObject(value, path) ?? {}).map(([key, item]) => [
      key,
      string(item, `${path}.${key}`),
    ]),
  );
}

/** Text as an error shows it: its first 40 characters when it is longer (a bad name can be megabytes). */
export function shortened(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A value as an error shows it: a string quoted and cut to 40 characters, else what it is. */
export function quoted(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(shortened(value));
  return typeof value === 'object' ? 'an object' : String(value);
}
