/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Structured logs: one JSON object per line on stderr (`time`, `level`, `component`, `msg`, and
 * the fields given), so that they can be filtered and shipped as they are. `PALISADE_LOG=debug`
 * shows debug lines too.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function logger(component: string): Logger {
  const write = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (level === 'debug' && process.env.PALISADE_LOG !== 'debug') return;
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields })}\n`,
    );
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
