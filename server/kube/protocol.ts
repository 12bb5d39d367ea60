import { FieldError } from './field-error.ts';

/** The transport protocols NetworkPolicy knows. */
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Reads a protocol; absent means TCP, as the API server defaults it. */
export function decodeProtocol(value: unknown, path: string): Protocol {
  if (value === undefined || value === null) return 'TCP';
  if (typeof value !== 'string' || !(PROTOCOLS as readonly string[]).includes(value)) {
    throw new FieldError(
      path,
      `unsupported protocol ${JSON.stringify(value)}: must be one of ${PROTOCOLS.join(', ')}`,
    );
  }
  return value as Protocol;
}
