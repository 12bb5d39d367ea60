import { parseArgs } from 'node:util';
import { PROTOCOLS, type Protocol } from '../../server/kube/protocol.ts';
import type { PortProtocol } from '../../server/policy/endpoint.ts';
import { UsageError } from './usage-error.ts';

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/**
 * Parses `argv` against `options`. A flag of one value given twice is an error: parseArgs would
 * keep the last value and drop the other unsaid. So is an empty value (`--kubeconfig ''`, often an
 * unset shell variable), which would otherwise read as the flag not given.
 */
export function parseOptions<T extends OptionSpec>(argv: string[], options: T, allowPositionals = false) {
  const parsed = parseStrict(argv, options, allowPositionals);
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec?.type !== 'string') continue;
    if (token.value?.trim() === '') throw new UsageError(`--${token.name}: empty value`);
    if (spec.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} given twice`);
    seen.add(token.name);
  }
  return parsed;
}

/** parseArgs with its tokens, its errors turned into usage errors. */
function parseStrict<T extends OptionSpec>(argv: string[], options: T, allowPositionals: boolean) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
}

/** The value of a required option. */
export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined || (Array.isArray(value) && value.length === 0))
    throw new UsageError(`missing --${flag}`);
  return value;
}

/** `80`, `80/TCP` or `53/udp`; TCP when no protocol is given. */
export function parsePortProtocol(text: string, flag: string): PortProtocol {
  const match = /^([0-9]{1,5})(?:\/([A-Za-z]+))?$/.exec(text.trim());
  const port = Number(match?.[1]);
  const protocol = (match?.[2] ?? 'TCP').toUpperCase();
  if (!match || port < 1 || port > 65535) {
    throw new UsageError(
      `--${flag}: ${JSON.stringify(text)} is not a port: expected N or N/PROTO with N from 1 to 65535`,
    );
  }
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new UsageError(
      `--${flag}: unsupported protocol ${JSON.stringify(match[2])}: expected ${PROTOCOLS.join(', ')}`,
    );
  }
  return { port, protocol: protocol as Protocol };
}

/** A comma-separated list of ports, as `--ports 80/TCP,81/UDP`. */
export function parsePortList(text: string, flag: string): PortProtocol[] {
  const ports = text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => parsePortProtocol(part, flag));
  if (ports.length === 0) throw new UsageError(`--${flag}: expected at least one port`);
  return ports;
}
