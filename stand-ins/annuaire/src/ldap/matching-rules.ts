// String preparation for the matching rules we serve (RFC 4517 §4.2, RFC 4518), simplified:
// Unicode NFKC, lower-casing as the case folding, and insignificant-space handling (leading and
// trailing spaces dropped, inner runs of spaces counted as one). Accents stay significant, as in
// caseIgnoreMatch: "Helene" does not equal "Hélène"; only approxMatch folds them.

const PLAIN_ASCII = /^[\x21-\x7e]*$/;
const ASCII = /^[\x00-\x7f]*$/;
const SPACES = /\s+/g;
const COMBINING_MARKS = /\p{M}+/gu;

function fold(value: string): string {
  // Most directory values are plain ASCII; NFKC is the costly step and changes nothing there.
  return ASCII.test(value) ? value.toLowerCase() : value.normalize('NFKC').toLowerCase();
}

/** A value prepared for caseIgnoreMatch / caseIgnoreOrderingMatch. */
export function caseIgnoreValue(value: string): string {
  if (PLAIN_ASCII.test(value)) return value.toLowerCase();
  return fold(value).replace(SPACES, ' ').trim();
}

/**
 * A substring piece prepared for caseIgnoreSubstringsMatch: spaces at its edges are kept, since
 * `(cn=Jean *)` must not match "Jeanne".
 */
export function caseIgnorePiece(value: string): string {
  if (PLAIN_ASCII.test(value)) return value.toLowerCase();
  return fold(value).replace(SPACES, ' ');
}

/** A value prepared for caseExactMatch: only Unicode normalisation and spaces. */
export function caseExactValue(value: string): string {
  if (PLAIN_ASCII.test(value)) return value;
  return (ASCII.test(value) ? value : value.normalize('NFKC')).replace(SPACES, ' ').trim();
}

/**
 * A value prepared for our approxMatch: caseIgnore after removing accents and other combining
 * marks, so "helene" approximately matches "Hélène". Servers are free to define approximate
 * matching (RFC 4511 §4.5.1.7.6); this is the one a French address book benefits from.
 */
export function approxValue(value: string): string {
  if (PLAIN_ASCII.test(value)) return value.toLowerCase();
  return caseIgnoreValue(value.normalize('NFKD').replace(COMBINING_MARKS, ''));
}

/** An integer value for integerMatch / integerOrderingMatch, or undefined when not an integer. */
export function integerValue(value: string): bigint | undefined {
  const trimmed = value.trim();
  return /^-?\d{1,4096}$/.test(trimmed) ? BigInt(trimmed) : undefined;
}
