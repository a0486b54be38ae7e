/**
 * An error a user can meet and act on: it carries a stable code and a one-line message that is
 * printed as is (no stack trace). Anything else reaching the top level is a bug.
 */
export class MssError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MssError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Errors a user meets all the time carry an `ERR_`-style code from Node (EADDRINUSE, EACCES…). */
export function systemErrorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** One line for a human, never a stack trace unless MSS_DEBUG asks for it. */
export function describeError(err: unknown): string {
  if (err instanceof MssError) return err.message;
  if (err instanceof AggregateError && err.errors.length > 0) return describeError(err.errors[0]);
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
