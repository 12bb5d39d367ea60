import { quoted } from './decode.ts';
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
      `unsupported protocol ${quoted(value)}: must be one of ${PROTOCOLS.join(', ')}`,
    );
  }
  return value as Protocol;
}

/** IP protocol numbers of the protocols NetworkPolicy knows, as packets and the kernel carry them. */
export const PROTOCOL_NUMBERS: Readonly<Record<Protocol, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

/** The protocol of an IP protocol number, or undefined for one NetworkPolicy does not know. */
export function protocolOfNumber(number: number): Protocol | undefined {
  return PROTOCOLS.find((protocol) => PROTOCOL_NUMBERS[protocol] === number);
}
