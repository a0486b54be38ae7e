import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr, so that stdout stays free for machine-readable output
 * (`mss sandbox --json`). Secrets are redacted by path wherever they might be attached. The level
 * comes from the caller (the configuration's `logLevel`), never from the environment directly.
 */
export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'mss',
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: {
        paths: [
          'token',
          'accessToken',
          'password',
          'secret',
          '*.token',
          '*.accessToken',
          '*.password',
          '*.secret',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything: for tests and library callers who did not ask for logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
