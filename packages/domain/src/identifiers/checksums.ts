// Check-digit arithmetic shared by the identifier validators and by the synthetic data generator.

/** Luhn check digit (0-9) to append to a payload of decimal digits. */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  // Walking from the right, the digit next to the (future) check digit is doubled.
  for (let i = payload.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = payload.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new RangeError(`luhnCheckDigit: "${payload}" is not all digits`);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `digits` is the Luhn check digit of the rest. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]{2,}$/.test(digits)) return false;
  return luhnCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

/**
 * INS / NIR key: 97 − (NIR mod 97), two digits. Corsican départements 2A and 2B are
 * replaced by 19 and 18 before the arithmetic, as the social-security rules say.
 */
export function insKey(nir13: string): string {
  const numeric = nir13
    .toUpperCase()
    .replace(/^(.{5})2A/, '$119')
    .replace(/^(.{5})2B/, '$118');
  if (!/^[0-9]{13}$/.test(numeric)) throw new RangeError(`insKey: "${nir13}" is not a 13-character NIR`);
  const key = 97 - Number(BigInt(numeric) % 97n);
  return String(key).padStart(2, '0');
}
