// Builders of valid national identifiers for synthetic records. They trust their callers
// (digits only, right lengths) because they run a few hundred thousand times per seed; the
// tests check every produced value with the validators of @mss/domain.

import { insKey, luhnCheckDigit } from '@mss/domain';

/** RPPS: 10-digit sequence + Luhn check digit. */
export function rppsFromSequence(sequence: number): string {
  const payload = String(sequence);
  return payload + luhnCheckDigit(payload);
}

const PAD = ['', '0', '00', '000', '0000', '00000', '000000', '0000000'];

export function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : (PAD[width - s.length] as string) + s;
}

/**
 * FINESS: the département (2 characters; 2A/2B for Corsica; `97x` for overseas, taking one
 * digit of the number) + digits up to 8 characters + Luhn check digit. The Luhn is computed
 * with the Corsican letter read as 0, the project's documented choice (see @mss/domain
 * finess.ts) — so 2A and 2B share a key.
 */
export function finessFor(departement: string, number: number): string {
  const head = departement.length === 3 ? departement + pad(number, 5) : departement + pad(number, 6);
  const luhnHead = head.charCodeAt(1) > 57 ? `${head[0]}0${head.slice(2)}` : head;
  return head + luhnCheckDigit(luhnHead);
}

/** SIRET: SIREN (8 digits + Luhn) + NIC (4 digits + the digit that makes all 14 Luhn-valid). */
export function siretFor(siren8: number, nic4: number): string {
  const sirenPayload = pad(siren8, 8);
  const siren = sirenPayload + luhnCheckDigit(sirenPayload);
  const head = siren + pad(nic4, 4);
  return head + luhnCheckDigit(head);
}

/** INS from a 13-character NIR (which may carry 2A/2B), completed with its mod-97 key. */
export function insFromNir(nir13: string): string {
  return nir13 + insKey(nir13);
}
