import { FieldError } from '../kube/field-error.ts';
import type { FlowQuery } from './flow-store.ts';

/** Reads a flow query from URL parameters; a bad value is an error naming the parameter. */
export function parseFlowQuery(params: URLSearchParams): FlowQuery {
  const choice = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const value = params.get(name);
    if (value === null) return undefined;
    if (!(allowed as readonly string[]).includes(value))
      throw new FieldError(name, `must be one of ${allowed.join(', ')}`);
    return value as T;
  };
  const number = (name: string, min: number, max: number): number | undefined => {
    const value = params.get(name);
    if (value === null) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max)
      throw new FieldError(name, `must be a number from ${min} to ${max}`);
    return parsed;
  };
  return {
    verdict: choice('verdict', ['allow', 'deny']),
    direction: choice('direction', ['ingress', 'egress']),
    namespace: params.get('namespace') ?? undefined,
    pod: params.get('pod') ?? undefined,
    port: number('port', 0, 65535),
    since: number('since', 0, Number.MAX_SAFE_INTEGER),
    until: number('until', 0, Number.MAX_SAFE_INTEGER),
    limit: number('limit', 1, 10_000),
  };
}
