// Corsica splits département 20 into 2A and 2B, the only letters that French numeric
// identifiers (ADELI, FINESS, NIR) may contain.

/**
 * Upper-cases a Corsican `2a`/`2b` found at `at` — the one silent fix we allow, because the
 * lower-case spelling is a common way of typing the same number.
 */
export function upperCorsicaAt(value: string, at: number): string {
  if (value[at] !== '2') return value;
  const letter = value[at + 1];
  if (letter !== 'a' && letter !== 'b') return value;
  return value.slice(0, at + 1) + letter.toUpperCase() + value.slice(at + 2);
}

export function isCorsicaAt(value: string, at: number): boolean {
  return value[at] === '2' && (value[at + 1] === 'A' || value[at + 1] === 'B');
}
