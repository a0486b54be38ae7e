// One error type for every identifier so that callers (HTTP problem+json, CLI, audit) can
// report "which field, which value, which rule" without knowing the identifier kind (R-ID-1).

export class InvalidIdentifierError extends Error {
  readonly code = 'INVALID_IDENTIFIER';
  readonly field: string;
  readonly value: string;
  readonly rule: string;
  /**
   * The message without the "<field> <value>: " head, so that an error can be quoted inside
   * another one (an RPPS inside an IdNat) or rephrased (the CLI) without string surgery.
   */
  readonly problem: string;

  constructor(field: string, value: string, rule: string, message: string, problem: string = message) {
    super(message);
    this.name = 'InvalidIdentifierError';
    this.field = field;
    this.value = value;
    this.rule = rule;
    this.problem = problem;
  }
}

export type Check<T> = { ok: true; value: T } | { ok: false; error: InvalidIdentifierError };

const MAX_SHOWN = 64;

/**
 * How a value appears inside a message. Values come from users and end up in logs, so
 * anything that is not plain printable ASCII is shown JSON-quoted (no raw control characters,
 * no forged log lines), and very long input is cut.
 */
export function showValue(value: string): string {
  const cut = value.slice(0, MAX_SHOWN);
  const shown = /^[\x21-\x7e]+$/.test(cut) ? cut : JSON.stringify(cut);
  return value.length > MAX_SHOWN ? `${shown}…` : shown;
}

export function invalid(field: string, value: string, rule: string, problem: string): InvalidIdentifierError {
  return new InvalidIdentifierError(field, value, rule, `${field} ${showValue(value)}: ${problem}`, problem);
}

export function ok<T>(value: T): Check<T> {
  return { ok: true, value };
}

export function fail<T>(field: string, value: string, rule: string, problem: string): Check<T> {
  return { ok: false, error: invalid(field, value, rule, problem) };
}

/** parseX is checkX that throws: one definition of the rules, two calling styles. */
export function unwrap<T>(check: Check<T>): T {
  if (check.ok) return check.value;
  throw check.error;
}

/**
 * Only surrounding whitespace is forgiven; a non-string (from untyped JSON) becomes a
 * failed check rather than a TypeError, so that check* never throws.
 */
export function normaliseInput(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

/** Length in characters as a person counts them (code points, not UTF-16 units). */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export function notAString<T>(field: string, value: unknown): Check<T> {
  return fail(field, `(${value === null ? 'null' : typeof value})`, 'type', 'must be a string');
}

/** The length rule every fixed-size identifier starts with; undefined when it holds. */
export function lengthError<T>(field: string, value: string, expected: number): Check<T> | undefined {
  const got = charLength(value);
  return got === expected ? undefined : fail(field, value, 'length', `must be ${expected} characters, got ${got}`);
}

/** A string of exactly `length` ASCII digits (RPPS, SIREN, SIRET), trimmed; the check digit is the caller's. */
export function checkDigits(field: string, value: string, length: number): Check<string> {
  const v = normaliseInput(value);
  if (v === undefined) return notAString(field, value);
  const bad = lengthError<string>(field, v, length);
  if (bad) return bad;
  if (!/^[0-9]+$/.test(v)) return fail(field, v, 'charset', 'must contain digits only');
  return ok(v);
}

/**
 * Wraps the error of an identifier embedded in another (the RPPS inside an IdNat) so that
 * the outer field and whole value are reported, with the inner rule and explanation.
 */
export function nested<T>(field: string, value: string, inner: InvalidIdentifierError): Check<T> {
  return fail(field, value, inner.rule, inner.message);
}
