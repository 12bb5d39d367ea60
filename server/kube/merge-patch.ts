import { isDeepStrictEqual } from 'node:util';

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The JSON merge patch (RFC 7386) that turns `before` into `after`: members new or changed as
 * they are in `after`, members gone as null, objects compared member by member, lists replaced
 * whole. A member whose value is `undefined` counts as absent, as JSON writes it.
 */
export function mergePatch(before: unknown, after: unknown): unknown {
  if (!isMap(before) || !isMap(after)) return after;
  const patch: Record<string, unknown> = {};
  for (const [key, old] of Object.entries(before))
    if (old !== undefined && after[key] === undefined) patch[key] = null;
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined || isDeepStrictEqual(before[key], value)) continue;
    patch[key] = mergePatch(before[key], value);
  }
  return patch;
}
